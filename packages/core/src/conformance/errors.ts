import assert from 'node:assert/strict';
import { CacheError, isCacheError } from '../errors.js';
import type { CacheHooks } from '../hooks.js';
import type { MiddlewareFn } from '../middleware.js';
import { rejectsWith } from './assertions.js';
import type { ConformanceKit } from './kit.js';

/** The error contract, hooks that refuse, and the middleware order. */
export function errorsGroup(kit: ConformanceKit): void {
  kit.describe('errors, hooks and middleware', () => {
    kit.it('errors carry code, cacheName, op and key, and name them in the message', async (h) => {
      const c = await h.cache();
      const e = await rejectsWith(c.set('x'.repeat(2_000), 1), 'INVALID_KEY', 'set of a 2000-byte key');
      assert.ok(e instanceof Error, 'a CacheError is an Error');
      assert.equal(e.name, 'CacheError');
      assert.equal(e.cacheName, c.name);
      assert.equal(e.op, 'set');
      assert.ok(e.message.includes(c.name), 'the message names the cache');
      assert.ok(e.message.includes('set'), 'the message names the operation');
      assert.ok(isCacheError(e, 'INVALID_KEY'), 'isCacheError narrows by code');
      assert.equal(isCacheError(e, 'NOT_FOUND'), false, 'isCacheError with another code is false');
      assert.equal(isCacheError(new Error('plain')), false);
      assert.equal(CacheError.isInstance(e), true);
      const ttl = await rejectsWith(c.set('k', 1, -1), 'INVALID_TTL', 'set with ttl -1');
      assert.equal(ttl.op, 'set');
      assert.equal(ttl.cacheName, c.name);
      const val = await rejectsWith(c.set('k', undefined), 'INVALID_VALUE', 'set of undefined');
      assert.equal(val.key, 'k', 'the key is attached where there is one');
    });

    kit.it('a throwing preGet refuses reads with ACCESS_DENIED (cause attached)', async (h) => {
      const denial = new Error('no');
      let deny = false;
      let postGets = 0;
      const hooks: CacheHooks<unknown> = {
        preGet: () => {
          if (deny) throw denial;
        },
        postGet: () => {
          postGets++;
        },
      };
      const c = await h.cache({ hooks });
      await c.set('k', 1);
      deny = true;
      postGets = 0;
      const e = await rejectsWith(c.get('k'), 'ACCESS_DENIED', 'get refused by preGet');
      assert.equal(e.cause, denial);
      await rejectsWith(c.has('k'), 'ACCESS_DENIED', 'has refused by preGet');
      await rejectsWith(c.getMany(['k']), 'ACCESS_DENIED', 'getMany refused by preGet');
      await rejectsWith(c.getKeysByPattern('*'), 'ACCESS_DENIED', 'getKeysByPattern refused by preGet');
      await rejectsWith(c.getMetadata('k'), 'ACCESS_DENIED', 'getMetadata refused by preGet');
      let loads = 0;
      await rejectsWith(
        c.getOrSet('new', () => ++loads),
        'ACCESS_DENIED',
        'getOrSet refused by preGet',
      );
      assert.equal(loads, 0, 'the loader did not run');
      assert.equal(postGets, 0, 'nothing was read');
      deny = false;
      assert.equal(await c.get('k'), 1);
      assert.equal(await c.has('new'), false, 'the refused getOrSet wrote nothing');
    });

    kit.it('a throwing (or rejecting) preSet refuses writes with ACCESS_DENIED and writes nothing', async (h) => {
      let deny = false;
      const c = await h.cache({
        hooks: {
          preSet: async () => {
            if (deny) throw new Error('read-only');
          },
        },
      });
      await c.set('k', 'old');
      deny = true;
      await rejectsWith(c.set('k', 'new'), 'ACCESS_DENIED', 'set refused by preSet');
      await rejectsWith(c.setMany({ k: 'new', j: 'new' }), 'ACCESS_DENIED', 'setMany refused by preSet');
      await rejectsWith(c.setIfExists('k', 'new'), 'ACCESS_DENIED', 'setIfExists refused by preSet');
      await rejectsWith(c.setIfNotExists('j', 'new'), 'ACCESS_DENIED', 'setIfNotExists refused by preSet');
      let updates = 0;
      await rejectsWith(
        c.update('k', () => {
          updates++;
          return 'new';
        }),
        'ACCESS_DENIED',
        'update refused by preSet',
      );
      assert.equal(updates, 0, 'the updater did not run');
      deny = false;
      assert.equal(await c.get('k'), 'old');
      assert.equal(await c.has('j'), false);
    });

    kit.it('a throwing preDelete refuses deletes with ACCESS_DENIED and deletes nothing', async (h) => {
      let deny = false;
      const c = await h.cache({
        hooks: {
          preDelete: () => {
            if (deny) throw new Error('keep');
          },
        },
      });
      await c.setMany({ a: 1, b: 2 });
      deny = true;
      await rejectsWith(c.delete('a'), 'ACCESS_DENIED', 'delete refused by preDelete');
      await rejectsWith(c.deleteMany(['a']), 'ACCESS_DENIED', 'deleteMany refused by preDelete');
      await rejectsWith(c.deleteByPattern('*'), 'ACCESS_DENIED', 'deleteByPattern refused by preDelete');
      await rejectsWith(c.clear(), 'ACCESS_DENIED', 'clear refused by preDelete');
      deny = false;
      assert.equal((await c.getMany(['a', 'b'])).size, 2, 'both entries survive');
    });

    kit.it('hooks see the operation; post hooks run after success', async (h) => {
      const seen: string[] = [];
      const c = await h.cache({
        hooks: {
          preGet: ({ op, key }) => void seen.push(`preGet ${op} ${key}`),
          postGet: ({ op, hit }) => void seen.push(`postGet ${op} ${hit}`),
          preSet: ({ op, key }) => void seen.push(`preSet ${op} ${key}`),
          postSet: ({ op }) => void seen.push(`postSet ${op}`),
          preDelete: ({ op, key }) => void seen.push(`preDelete ${op} ${key}`),
          postDelete: ({ op, removed }) => void seen.push(`postDelete ${op} ${removed}`),
        },
      });
      await c.set('k', 1);
      await c.get('k');
      await c.get('miss');
      await c.delete('k');
      assert.deepEqual(seen, [
        'preSet set k',
        'postSet set',
        'preGet get k',
        'postGet get true',
        'preGet get miss',
        'postGet get false',
        'preDelete delete k',
        'postDelete delete 1',
      ]);
    });

    kit.it('a throwing post hook does not fail the operation', async (h) => {
      const errors: string[] = [];
      const c = await h.cache({
        hooks: {
          postSet: () => {
            throw new Error('post');
          },
          onError: (e) => void errors.push(e.op),
        },
      });
      await c.set('k', 1);
      assert.equal(await c.get('k'), 1);
      assert.deepEqual(errors, ['set'], 'onError heard of it');
    });

    kit.it('middleware wraps every operation, outermost first', async (h) => {
      const trace: string[] = [];
      const mw =
        (name: string): MiddlewareFn =>
        async (ctx, next) => {
          trace.push(`${name}> ${ctx.op} ${ctx.key ?? ''}`.trim());
          assert.equal(ctx.cacheName, c.name);
          const r = await next();
          trace.push(`${name}<`);
          return r;
        };
      const c = await h.cache({ middleware: [mw('outer'), mw('inner')] });
      await c.set('k', 1);
      assert.equal(await c.get('k'), 1, 'middleware passes results through');
      assert.deepEqual(trace, [
        'outer> set k',
        'inner> set k',
        'inner<',
        'outer<',
        'outer> get k',
        'inner> get k',
        'inner<',
        'outer<',
      ]);
      trace.length = 0;
      await c.getKeysByPattern('*');
      await c.clear();
      assert.deepEqual(
        trace.filter((t) => t.startsWith('outer>')),
        ['outer> getKeysByPattern', 'outer> clear'],
      );
    });

    kit.it('a middleware that throws refuses the operation', async (h) => {
      const c = await h.cache({
        middleware: [
          async (ctx, next) => {
            if (ctx.op === 'set')
              throw new CacheError('RATE_LIMITED', 'slow down', { cacheName: ctx.cacheName, op: ctx.op });
            return next();
          },
        ],
      });
      await rejectsWith(c.set('k', 1), 'RATE_LIMITED', 'set refused by middleware');
      assert.equal(await c.has('k'), false);
    });

    if (kit.capabilities.referenceValues) {
      kit.it('onEvict reports deleted and cleared entries (in-process providers)', async (h) => {
        const events: string[] = [];
        const c = await h.cache({ hooks: { onEvict: ({ key, reason }) => void events.push(`${reason} ${key}`) } });
        await c.setMany({ a: 1, b: 2, c: 3 });
        await c.delete('a');
        await c.clear();
        assert.deepEqual([...events].sort(), ['cleared b', 'cleared c', 'deleted a']);
      });
    }
  });
}
