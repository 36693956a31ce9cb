import assert from 'node:assert/strict';
import { isCacheError } from '../errors.js';
import type { Cache, LoaderContext } from '../types.js';
import { deepEqual, deferred, equal, rejectsWith, rejectsWithCacheError, sleep, within } from './assertions.js';
import type { ConformanceKit } from './kit.js';

/** getOrSet: hits, single-flight, loader failures, recursion (cancellation: `loadCancellationGroup`). */
export function getOrSetGroup(kit: ConformanceKit): void {
  kit.describe('getOrSet', () => {
    kit.it('a hit returns the cached value without calling the loader', async (h) => {
      const c = await h.cache();
      await c.set('k', 'cached');
      let calls = 0;
      equal(
        await c.getOrSet('k', () => {
          calls++;
          return 'loaded';
        }),
        'cached',
        "c.getOrSet('k', () => { calls++; return 'loaded'; })",
      );
      equal(calls, 0, 'loader calls for a getOrSet of a cached key (a hit never loads)');
    });

    kit.it('a miss calls the loader once with the key and a signal, stores and returns its value', async (h) => {
      const c = await h.cache();
      let seen: LoaderContext | undefined;
      const v = await c.getOrSet('k', async (ctx) => {
        seen = ctx;
        return { loaded: true };
      });
      deepEqual(v, { loaded: true }, 'the value getOrSet returns on a miss (the loader result)');
      equal(seen?.key, 'k', 'the key the loader gets in its context');
      assert.ok(seen?.signal instanceof AbortSignal, 'the loader gets an AbortSignal');
      equal(seen?.signal.aborted, false, 'whether the signal a running loader gets is already aborted');
      deepEqual(await c.get('k'), { loaded: true }, "c.get('k')");
    });

    kit.it('getOrSet stores with its TTL', async (h) => {
      const c = await h.cache();
      await c.getOrSet('k', () => 1, h.shortTtl);
      await c.getOrSet('p', () => 1, { ttl: Number.POSITIVE_INFINITY });
      await h.expireShort();
      equal(await c.has('k'), false, "c.has('k')");
      equal(await c.has('p'), true, "c.has('p')");
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
      equal(calls, 1, 'loader calls for 1,000 concurrent getOrSet callers of one key (single-flight)');
      assert.ok(
        results.every((r) => r === 42),
        'every caller got the value',
      );
      equal(await c.get('hot'), 42, "c.get('hot')");
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
        // Each waiter gets its handler now: awaited one by one, a later one would reject unobserved.
        const outcomes = waiters.map((w) => rejectsWith(w, 'LOADER_FAILED', 'waiter of a failing loader'));
        gate.resolve();
        for (const outcome of outcomes) {
          const e = await outcome;
          equal(e.cause, boom, 'the original error is the cause');
          equal(e.op, 'getOrSet', 'the op of LOADER_FAILED');
          equal(e.cacheName, c.name, 'the cacheName of LOADER_FAILED');
        }
        equal(calls, 1, 'loader calls for 10 concurrent getOrSet callers whose shared loader throws (single-flight)');
        equal(await c.has('k'), false, 'nothing cached');
        equal(await c.getOrSet('k', () => 'second try'), 'second try', 'the next call loads again');
        const sync = await rejectsWith(
          c.getOrSet('s', () => {
            throw boom;
          }),
          'LOADER_FAILED',
          'a synchronously throwing loader',
        );
        equal(sync.cause, boom, 'the cause of LOADER_FAILED for a synchronously throwing loader');
        const nonError = await rejectsWith(
          c.getOrSet('n', () => Promise.reject('a string')),
          'LOADER_FAILED',
          'a non-Error rejection',
        );
        equal(nonError.cause, 'a string', 'the cause of LOADER_FAILED for a loader rejecting with a string');
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
      equal(await c.has('k'), false, "c.has('k')");
      equal(await c.getOrSet('k', () => null), null, 'null is a value');
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
      equal(e.code, 'LOADER_FAILED', 'the outer loader threw the inner error');
      equal(await c.has('k'), false, "c.has('k')");
    });

    for (const outcome of ['fails', 'succeeds'] as const) {
      kit.it(
        `callers arriving together or at random 0–5 ms delays share one loader call that ${outcome} fast`,
        async (h) => {
          const c = await h.cache<string>();
          // Ten rounds at once, ten at random small delays: with a store that answers through
          // promises, a caller may still be reading its miss when a fast load has ended.
          for (let round = 0; round < 20; round++) {
            const together = round < 10;
            const delay = together ? () => 0 : () => Math.floor(h.random() * 6);
            await oneFlight(c, `k${round}`, outcome, delay, together ? 'called together' : 'arriving within 5 ms');
          }
        },
      );
    }

    kit.it('a getOrSet of another key inside a loader works', async (h) => {
      const c = await h.cache();
      equal(
        await c.getOrSet('outer', async () => `${await c.getOrSet('inner', () => 'i')}+o`),
        'i+o',
        'a getOrSet whose loader awaits getOrSet of another key',
      );
      equal(await c.get('inner'), 'i', "c.get('inner')");
    });
  });
}

/**
 * 12 getOrSet callers of `key`, each started after `delay()` ms, with one loader that fails or
 * succeeds as soon as the last caller has called: exactly one loader call, and every caller gets
 * its outcome. A caller still reading its miss when the load ends must join it (or see its
 * result), not start a load of its own.
 */
async function oneFlight(
  c: Cache<string>,
  key: string,
  outcome: 'fails' | 'succeeds',
  delay: () => number,
  arrival: string,
): Promise<void> {
  const n = 12;
  const boom = new Error('fast failure');
  let calls = 0;
  let invoked = 0;
  const allInvoked = deferred<void>();
  const loader = async () => {
    calls++;
    await allInvoked.promise;
    if (outcome === 'fails') throw boom;
    return 'v';
  };
  const call = (resolve: (r: PromiseSettledResult<string>) => void) => {
    const w = c.getOrSet(key, loader);
    if (++invoked === n) allInvoked.resolve();
    w.then(
      (value) => resolve({ status: 'fulfilled', value }),
      (reason: unknown) => resolve({ status: 'rejected', reason }),
    );
  };
  const waiters = Array.from({ length: n }, () => {
    const ms = delay();
    return new Promise<PromiseSettledResult<string>>((resolve) => {
      if (ms === 0) call(resolve);
      else setTimeout(() => call(resolve), ms);
    });
  });
  const results = await within(Promise.all(waiters), 5_000, `${n} getOrSet callers of ${key}`);
  assert.equal(
    calls,
    1,
    `expected exactly 1 loader call for ${n} concurrent getOrSet callers of ${key} (${arrival}; the loader ${outcome}), got ${calls}: a caller that read its miss while the load ran started a load of its own (single-flight must hold whether the store answers synchronously or through promises)`,
  );
  for (const [i, r] of results.entries()) {
    if (outcome === 'succeeds') {
      assert.ok(
        r.status === 'fulfilled' && r.value === 'v',
        `expected caller ${i} of ${key} to get the loaded value 'v', got ${r.status === 'fulfilled' ? JSON.stringify(r.value) : `a rejection: ${String(r.reason)}`}`,
      );
    } else {
      assert.ok(
        r.status === 'rejected' && isCacheError(r.reason, 'LOADER_FAILED') && r.reason.cause === boom,
        `expected caller ${i} of ${key} to reject with LOADER_FAILED caused by the loader's error, got ${r.status === 'fulfilled' ? `the value ${JSON.stringify(r.value)}` : String(r.reason)}`,
      );
    }
  }
  if (outcome === 'fails') equal(await c.has(key), false, `has(${key}) after its load failed (nothing cached)`);
  else equal(await c.get(key), 'v', `get(${key}) after its load succeeded`);
}
