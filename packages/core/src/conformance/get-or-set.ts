import assert from 'node:assert/strict';
import { isCacheError } from '../errors.js';
import type { LoaderContext } from '../types.js';
import { deferred, rejectsWith, rejectsWithCacheError, sleep, within } from './assertions.js';
import type { ConformanceKit } from './kit.js';

/** getOrSet: hits, single-flight, loader failures, recursion (cancellation: `loadCancellationGroup`). */
export function getOrSetGroup(kit: ConformanceKit): void {
  kit.describe('getOrSet', () => {
    kit.it('a hit returns the cached value without calling the loader', async (h) => {
      const c = await h.cache();
      await c.set('k', 'cached');
      let calls = 0;
      assert.equal(
        await c.getOrSet('k', () => {
          calls++;
          return 'loaded';
        }),
        'cached',
      );
      assert.equal(calls, 0);
    });

    kit.it('a miss calls the loader once with the key and a signal, stores and returns its value', async (h) => {
      const c = await h.cache();
      let seen: LoaderContext | undefined;
      const v = await c.getOrSet('k', async (ctx) => {
        seen = ctx;
        return { loaded: true };
      });
      assert.deepEqual(v, { loaded: true });
      assert.equal(seen?.key, 'k');
      assert.ok(seen?.signal instanceof AbortSignal, 'the loader gets an AbortSignal');
      assert.equal(seen?.signal.aborted, false);
      assert.deepEqual(await c.get('k'), { loaded: true });
    });

    kit.it('getOrSet stores with its TTL', async (h) => {
      const c = await h.cache();
      await c.getOrSet('k', () => 1, h.shortTtl);
      await c.getOrSet('p', () => 1, { ttl: Number.POSITIVE_INFINITY });
      await h.expireShort();
      assert.equal(await c.has('k'), false);
      assert.equal(await c.has('p'), true);
    });

    kit.it('1,000 concurrent callers share exactly one loader call', async (h) => {
      const c = await h.cache<number>();
      let calls = 0;
      const gate = deferred<void>();
      const all = Promise.all(
        Array.from({ length: 1_000 }, () =>
          c.getOrSet('hot', async () => {
            calls++;
            await gate.promise;
            return 42;
          }),
        ),
      );
      await sleep(10);
      gate.resolve();
      const results = await all;
      assert.equal(calls, 1, 'loader calls');
      assert.ok(
        results.every((r) => r === 42),
        'every caller got the value',
      );
      assert.equal(await c.get('hot'), 42);
    });

    kit.it(
      'a throwing loader rejects every waiter with LOADER_FAILED (cause attached) and caches nothing',
      async (h) => {
        const c = await h.cache();
        const boom = new Error('boom');
        let calls = 0;
        const gate = deferred<void>();
        const waiters = Array.from({ length: 10 }, () =>
          c.getOrSet('k', async () => {
            calls++;
            await gate.promise;
            throw boom;
          }),
        );
        gate.resolve();
        for (const w of waiters) {
          const e = await rejectsWith(w, 'LOADER_FAILED', 'waiter of a failing loader');
          assert.equal(e.cause, boom, 'the original error is the cause');
          assert.equal(e.op, 'getOrSet');
          assert.equal(e.cacheName, c.name);
        }
        assert.equal(calls, 1);
        assert.equal(await c.has('k'), false, 'nothing cached');
        assert.equal(await c.getOrSet('k', () => 'second try'), 'second try', 'the next call loads again');
        const sync = await rejectsWith(
          c.getOrSet('s', () => {
            throw boom;
          }),
          'LOADER_FAILED',
          'a synchronously throwing loader',
        );
        assert.equal(sync.cause, boom);
        const nonError = await rejectsWith(
          c.getOrSet('n', () => Promise.reject('a string')),
          'LOADER_FAILED',
          'a non-Error rejection',
        );
        assert.equal(nonError.cause, 'a string');
      },
    );

    kit.it('a loader returning undefined rejects with INVALID_VALUE and caches nothing', async (h) => {
      const c = await h.cache();
      await rejectsWith(
        c.getOrSet('k', () => undefined),
        'INVALID_VALUE',
        'loader returned undefined',
      );
      await rejectsWith(
        c.getOrSet('k', async () => undefined),
        'INVALID_VALUE',
        'async loader returned undefined',
      );
      assert.equal(await c.has('k'), false);
      assert.equal(await c.getOrSet('k', () => null), null, 'null is a value');
    });

    kit.it('a recursive getOrSet of the same key inside its loader rejects instead of deadlocking', async (h) => {
      const c = await h.cache();
      let inner: unknown;
      const outer = c.getOrSet('k', async () => {
        try {
          return await c.getOrSet('k', () => 'inner');
        } catch (e) {
          inner = e;
          throw e;
        }
      });
      const e = await rejectsWithCacheError(within(outer, 5_000, 'a recursive getOrSet'), 'the outer getOrSet');
      assert.ok(isCacheError(inner), `the inner getOrSet rejected with a CacheError, got ${String(inner)}`);
      assert.equal(e.code, 'LOADER_FAILED', 'the outer loader threw the inner error');
      assert.equal(await c.has('k'), false);
    });

    kit.it('a getOrSet of another key inside a loader works', async (h) => {
      const c = await h.cache();
      assert.equal(await c.getOrSet('outer', async () => `${await c.getOrSet('inner', () => 'i')}+o`), 'i+o');
      assert.equal(await c.get('inner'), 'i');
    });
  });
}
