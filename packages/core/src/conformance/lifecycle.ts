import assert from 'node:assert/strict';
import type { CacheErrorCode } from '../errors.js';
import type { Cache } from '../types.js';
import { collect, deepEqual, equal, rejectsWith } from './assertions.js';
import type { ConformanceKit } from './kit.js';

/** Every public operation once, for CLOSED/ABORTED checks; each must do nothing but reject. */
function everyOperation(
  c: Cache<unknown>,
  opts: { signal?: AbortSignal },
  onCall: () => void = () => {},
): [string, () => Promise<unknown>][] {
  const withTtl = { ...opts, ttl: 60_000 };
  return [
    ['get', () => c.get('k', opts)],
    ['set', () => c.set('k', 'new', withTtl)],
    ['delete', () => c.delete('k', opts)],
    ['clear', () => c.clear(opts)],
    ['has', () => c.has('k', opts)],
    ['touch', () => c.touch('k', withTtl)],
    [
      'getOrSet',
      () =>
        c.getOrSet(
          'fresh',
          () => {
            onCall();
            return 'new';
          },
          withTtl,
        ),
    ],
    [
      'update',
      () =>
        c.update(
          'k',
          () => {
            onCall();
            return 'new';
          },
          withTtl,
        ),
    ],
    ['getMany', () => c.getMany(['k'], opts)],
    ['setMany', () => c.setMany([['fresh', 'new']], withTtl)],
    ['deleteMany', () => c.deleteMany(['k'], opts)],
    ['addIndex', () => c.addIndex('idx', 'k', 'v2', opts)],
    ['removeIndex', () => c.removeIndex('idx', 'k', 'v', opts)],
    ['getByIndex', () => c.getByIndex('idx', 'v', opts)],
    ['deleteByIndex', () => c.deleteByIndex('idx', 'v', opts)],
    ['setIfNotExists', () => c.setIfNotExists('fresh', 'new', withTtl)],
    ['setIfExists', () => c.setIfExists('k', 'new', withTtl)],
    ['getKeysByPattern', () => c.getKeysByPattern('*', opts)],
    ['scanKeys', () => collect(c.scanKeys('*', opts))],
    ['deleteByPattern', () => c.deleteByPattern('*', opts)],
    ['getMetadata', () => c.getMetadata('k', opts)],
  ];
}

/** close(), CLOSED, `await using`, cache names, and ABORTED before any I/O. */
export function lifecycleGroup(kit: ConformanceKit): void {
  kit.describe('lifecycle and cancellation', () => {
    kit.it('after close() every operation rejects with CLOSED; close() is idempotent', async (h) => {
      const c = await h.cache();
      await c.set('k', 1);
      await c.close();
      await c.close();
      let calls = 0;
      for (const [op, call] of everyOperation(c, {}, () => calls++)) {
        const e = await rejectsWith(call, 'CLOSED', `${op} after close()`);
        equal(e.cacheName, c.name, 'the cacheName a CLOSED error carries');
      }
      equal(calls, 0, 'no loader or updater ran on a closed cache');
      await c[Symbol.asyncDispose]();
    });

    kit.it('after close() the cache holds no timer that keeps the process alive', async (h) => {
      const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      const before = timers();
      const c = await h.cache({ cleanupInterval: '1s', ttl: '1h', loaderTimeout: '1h' });
      await c.set('k', 1);
      await c.getOrSet('l', () => 1);
      await c.close();
      await new Promise((resolve) => setImmediate(resolve));
      assert.ok(timers() <= before, `active timers went from ${before} to ${timers()} after close()`);
    });

    kit.it('await using closes the cache at the end of the block', async (h) => {
      let escaped: Cache<unknown> | undefined;
      {
        await using c = await h.cache();
        await c.set('k', 1);
        escaped = c;
      }
      await rejectsWith(escaped.get('k'), 'CLOSED', 'get after the using block');
    });

    kit.it('an already-aborted signal rejects every operation with ABORTED before any I/O', async (h) => {
      const c = await h.cache();
      await c.set('k', 'old');
      if (kit.capabilities.indexes) await c.addIndex('idx', 'k', 'v');
      let calls = 0;
      const reason = new Error('caller gave up');
      // Index operations too, also where the provider has no indexes: the abort is reported first.
      for (const [op, call] of everyOperation(c, { signal: AbortSignal.abort(reason) }, () => calls++)) {
        await rejectsWith(call, 'ABORTED', `${op} with an aborted signal`);
      }
      equal(calls, 0, 'no loader or updater ran');
      equal(await c.get('k'), 'old', 'nothing was written or deleted');
      equal(await c.has('fresh'), false, 'nothing was written');
      if (kit.capabilities.indexes) deepEqual(await c.getByIndex('idx', 'v'), ['k'], 'the index is intact');
    });

    kit.it('an invalid cache name is refused with INVALID_ARGUMENT', async (h) => {
      for (const name of ['', 'has space', 'a/b', 'x'.repeat(129), 'ünï']) {
        await rejectsWith(
          () => h.cache({ name }),
          'INVALID_ARGUMENT' satisfies CacheErrorCode,
          `cache name ${JSON.stringify(name)}`,
        );
      }
    });
  });
}
