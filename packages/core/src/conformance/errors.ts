import assert from 'node:assert/strict';
import { CacheError, isCacheError } from '../errors.js';
import type { CacheHooks } from '../hooks.js';
import type { CacheMetrics } from '../metrics.js';
import type { MiddlewareFn } from '../middleware.js';
import { deepEqual, equal, rejectsWith, sleep } from './assertions.js';
import type { ConformanceKit } from './kit.js';

/** The error contract, hooks that refuse, and the middleware order. */
export function errorsGroup(kit: ConformanceKit): void {
  kit.describe('errors, hooks and middleware', () => {
    kit.it('errors carry code, cacheName, op and key, and name them in the message', async (h) => {
      const c = await h.cache();
      const e = await rejectsWith(c.set('x'.repeat(2_000), 1), 'INVALID_KEY', 'set of a 2000-byte key');
      assert.ok(e instanceof Error, 'a CacheError is an Error');
      equal(e.name, 'CacheError', 'the error name of a CacheError');
      equal(e.cacheName, c.name, 'the cacheName an INVALID_KEY error carries');
      equal(e.op, 'set', 'the op an INVALID_KEY error of set carries');
      assert.ok(e.message.includes(c.name), 'the message names the cache');
      assert.ok(e.message.includes('set'), 'the message names the operation');
      assert.ok(isCacheError(e, 'INVALID_KEY'), 'isCacheError narrows by code');
      equal(isCacheError(e, 'NOT_FOUND'), false, 'isCacheError with another code is false');
      equal(isCacheError(new Error('plain')), false, "isCacheError(new Error('plain'))");
      equal(CacheError.isInstance(e), true, 'CacheError.isInstance(e)');
      const ttl = await rejectsWith(c.set('k', 1, -1), 'INVALID_TTL', 'set with ttl -1');
      equal(ttl.op, 'set', 'the op an INVALID_TTL error of set carries');
      equal(ttl.cacheName, c.name, 'the cacheName an INVALID_TTL error carries');
      const val = await rejectsWith(c.set('k', undefined), 'INVALID_VALUE', 'set of undefined');
      equal(val.key, 'k', 'the key is attached where there is one');
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
      equal(e.cause, denial, 'the cause of ACCESS_DENIED (the error preGet threw)');
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
      equal(loads, 0, 'the loader did not run');
      equal(postGets, 0, 'nothing was read');
      deny = false;
      equal(await c.get('k'), 1, "c.get('k')");
      equal(await c.has('new'), false, 'the refused getOrSet wrote nothing');
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
      equal(updates, 0, 'the updater did not run');
      deny = false;
      equal(await c.get('k'), 'old', "c.get('k')");
      equal(await c.has('j'), false, "c.has('j')");
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
      equal((await c.getMany(['a', 'b'])).size, 2, 'both entries survive');
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
      deepEqual(
        seen,
        [
          'preSet set k',
          'postSet set',
          'preGet get k',
          'postGet get true',
          'preGet get miss',
          'postGet get false',
          'preDelete delete k',
          'postDelete delete 1',
        ],
        'seen',
      );
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
      equal(await c.get('k'), 1, "c.get('k')");
      deepEqual(errors, ['set'], 'onError heard of it');
    });

    kit.it('middleware wraps every operation, outermost first', async (h) => {
      const trace: string[] = [];
      const mw =
        (name: string): MiddlewareFn =>
        async (ctx, next) => {
          trace.push(`${name}> ${ctx.op} ${ctx.key ?? ''}`.trim());
          equal(ctx.cacheName, c.name, 'the cacheName a middleware sees in ctx');
          const r = await next();
          trace.push(`${name}<`);
          return r;
        };
      const c = await h.cache({ middleware: [mw('outer'), mw('inner')] });
      await c.set('k', 1);
      equal(await c.get('k'), 1, 'middleware passes results through');
      deepEqual(
        trace,
        ['outer> set k', 'inner> set k', 'inner<', 'outer<', 'outer> get k', 'inner> get k', 'inner<', 'outer<'],
        'trace',
      );
      trace.length = 0;
      await c.getKeysByPattern('*');
      await c.clear();
      deepEqual(
        trace.filter((t) => t.startsWith('outer>')),
        ['outer> getKeysByPattern', 'outer> clear'],
        "trace.filter((t) => t.startsWith('outer>'))",
      );
    });

    kit.it(
      'scanKeys runs through the pipeline for its whole iteration (middleware and metrics see its end)',
      async (h) => {
        const n = 5;
        const delivered: number[] = [];
        let nextSettledAfter: number | undefined;
        const recorded: { op: string; after: number; durationMs: number }[] = [];
        const metrics = recordingMetrics((op, durationMs) => {
          if (op === 'scanKeys') recorded.push({ op, after: delivered.length, durationMs });
        });
        const c = await h.cache({
          metrics,
          middleware: [
            async (ctx, next) => {
              if (ctx.op !== 'scanKeys') return next();
              try {
                return await next();
              } finally {
                nextSettledAfter = delivered.length;
              }
            },
          ],
        });
        for (let i = 0; i < n; i++) await c.set(`s:${i}`, i);
        const started = performance.now();
        for await (const _ of c.scanKeys('s:*')) {
          assert.equal(
            nextSettledAfter,
            undefined,
            `expected a middleware's next() for scanKeys still pending while keys are delivered, it settled after ${String(nextSettledAfter)} of ${n} keys`,
          );
          delivered.push(performance.now());
          await sleep(5);
        }
        const iteration = performance.now() - started;
        await sleep(0);
        assert.equal(delivered.length, n, `expected scanKeys to deliver ${n} keys, got ${delivered.length}`);
        assert.equal(
          nextSettledAfter,
          n,
          `expected the middleware's next() for scanKeys to settle after the last of ${n} keys (the scan runs through the pipeline for its whole iteration), it settled after ${String(nextSettledAfter)}`,
        );
        assert.equal(
          recorded.length,
          1,
          `expected exactly one recordOperation('scanKeys') per scan, got ${recorded.length}`,
        );
        assert.equal(
          recorded[0]!.after,
          n,
          `expected recordOperation('scanKeys') after the iteration finished (${n} keys), it was recorded after ${recorded[0]!.after}`,
        );
        assert.ok(
          recorded[0]!.durationMs >= iteration * 0.8,
          `expected the recorded scanKeys duration to cover the iteration (~${iteration.toFixed(1)} ms, so timing protection and latency metrics see the whole scan), got ${recorded[0]!.durationMs.toFixed(1)} ms`,
        );
        // A consumer that stops early still ends the operation.
        nextSettledAfter = undefined;
        delivered.length = 0;
        for await (const _ of c.scanKeys('s:*')) {
          delivered.push(performance.now());
          break;
        }
        await sleep(10);
        assert.equal(
          nextSettledAfter,
          1,
          "expected the middleware's next() to settle when the consumer breaks out of scanKeys",
        );
        assert.equal(
          recorded.length,
          2,
          `expected recordOperation('scanKeys') for a scan the consumer ended early, got ${recorded.length - 1}`,
        );
      },
    );

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
      equal(await c.has('k'), false, "c.has('k')");
    });

    if (kit.capabilities.referenceValues) {
      kit.it('onEvict reports deleted and cleared entries (in-process providers)', async (h) => {
        const events: string[] = [];
        const c = await h.cache({ hooks: { onEvict: ({ key, reason }) => void events.push(`${reason} ${key}`) } });
        await c.setMany({ a: 1, b: 2, c: 3 });
        await c.delete('a');
        await c.clear();
        deepEqual([...events].sort(), ['cleared b', 'cleared c', 'deleted a'], '[...events].sort()');
      });
    }
  });
}

/** A metrics sink that reports each `recordOperation` to `onOperation` and ignores the rest. */
function recordingMetrics(onOperation: (op: string, durationMs: number) => void): CacheMetrics {
  return {
    recordHit() {},
    recordMiss() {},
    recordOperation(op, _status, durationMs) {
      onOperation(op, durationMs);
    },
    recordSecurityEvent() {},
    recordTimingProtection() {},
    getOperationLatencyPercentiles: () => undefined,
  };
}
