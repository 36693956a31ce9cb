import { memoryProvider } from '@gocache/provider-memory';
import { describe, expect, it } from 'vitest';
import { createCache } from './create-cache.js';
import { type CacheError, isCacheError } from './errors.js';
import { createInProcessMetrics } from './in-process-metrics.js';
import { type Row, remoteProvider } from './remote-store.fixture.js';

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

function clocked() {
  const clock = { t: 1_000_000, now: () => clock.t };
  return clock;
}

describe('getOrSet with grace (stale-while-revalidate)', () => {
  it('after ttl, within grace: the stale value at once, one background refresh, then the fresh value', async () => {
    const clock = clocked();
    const cache = createCache<string>(memoryProvider(), { name: 'swr', clock });
    let loads = 0;
    const loader = async () => `v${++loads}`;
    const opts = { ttl: 1_000, grace: 10_000 };
    expect(await cache.getOrSet('k', loader, opts)).toBe('v1');
    clock.t += 999;
    expect(await cache.getOrSet('k', loader, opts)).toBe('v1');
    clock.t += 1;
    // Stale: every caller gets v1 at once; one refresh runs.
    const served = await Promise.all(Array.from({ length: 20 }, () => cache.getOrSet('k', loader, opts)));
    expect(served).toEqual(Array(20).fill('v1'));
    await tick(5);
    expect(loads).toBe(2);
    expect(await cache.getOrSet('k', loader, opts)).toBe('v2');
    expect(await cache.get('k')).toBe('v2');
    await cache.close();
  });

  it('plain reads never return a value past its ttl, while getOrSet may serve it', async () => {
    const clock = clocked();
    const cache = createCache<string>(memoryProvider(), { name: 'swr-reads', clock });
    await cache.getOrSet('k', () => 'old', { ttl: 1_000, grace: 60_000 });
    expect((await cache.getMetadata('k'))?.expiresAt).toBe(clock.t + 1_000);
    clock.t += 1_000;
    expect(await cache.get('k')).toBeUndefined();
    expect(await cache.has('k')).toBe(false);
    expect(await cache.getMany(['k'])).toEqual(new Map());
    expect(await cache.getMetadata('k')).toBeUndefined();
    expect(await cache.touch('k', 5_000)).toBe(false);
    expect(await cache.setIfExists('k', 'x')).toBe(false);
    expect(await cache.update('k', (old, exists) => `${String(old)}:${exists}`)).toBe('undefined:false');
    expect(await cache.get('k')).toBe('undefined:false');
    await cache.close();
  });

  it('setIfNotExists writes over a stale value; touch of a fresh one keeps it as a plain entry', async () => {
    const clock = clocked();
    const cache = createCache<string>(memoryProvider(), { name: 'swr-cond', clock });
    await cache.getOrSet('a', () => 'old', { ttl: 1_000, grace: 60_000 });
    await cache.getOrSet('b', () => 'b', { ttl: 1_000, grace: 60_000 });
    expect(await cache.setIfNotExists('b', 'taken')).toBe(false);
    expect(await cache.touch('b', 5_000)).toBe(true);
    clock.t += 1_000;
    expect(await cache.setIfNotExists('a', 'new')).toBe(true);
    expect(await cache.get('a')).toBe('new');
    clock.t += 3_999;
    expect(await cache.get('b')).toBe('b');
    clock.t += 1;
    expect(await cache.get('b')).toBeUndefined();
    await cache.close();
  });

  it('after grace the value is gone and getOrSet loads as on a miss', async () => {
    const clock = clocked();
    const cache = createCache<string>(memoryProvider(), { name: 'swr-gone', clock });
    let loads = 0;
    const opts = { ttl: 1_000, grace: 1_000 };
    await cache.getOrSet('k', () => `v${++loads}`, opts);
    clock.t += 2_000;
    expect(await cache.getOrSet('k', () => `v${++loads}`, opts)).toBe('v2');
    await cache.close();
  });

  it('fail-safe: a failing refresh keeps the stale value served and is reported to onError and metrics', async () => {
    const clock = clocked();
    const errors: CacheError[] = [];
    const metrics = createInProcessMetrics();
    const cache = createCache<string>(memoryProvider(), {
      name: 'swr-failsafe',
      clock,
      metrics,
      hooks: { onError: (e) => void errors.push(e) },
    });
    const opts = { ttl: 1_000, grace: 60_000 };
    await cache.getOrSet('k', () => 'good', opts);
    clock.t += 1_500;
    const failing = () => {
      throw new Error('database down');
    };
    expect(await cache.getOrSet('k', failing, opts)).toBe('good');
    await tick(5);
    expect(errors.map((e) => e.code)).toEqual(['LOADER_FAILED']);
    expect(metrics.snapshot().operations.getOrSet?.error).toBe(1);
    // Still served, and the next stale read tries to refresh again (the lease was given back).
    let loads = 0;
    expect(
      await cache.getOrSet(
        'k',
        () => {
          loads++;
          return 'better';
        },
        opts,
      ),
    ).toBe('good');
    await tick(5);
    expect(loads).toBe(1);
    expect(await cache.get('k')).toBe('better');
    await cache.close();
  });

  it('softTimeout: a refresh that arrives in time is returned, a slower one leaves the stale value', async () => {
    const clock = clocked();
    const cache = createCache<string>(memoryProvider(), { name: 'swr-soft', clock });
    await cache.getOrSet('k', () => 'v1', { ttl: 1_000, grace: 60_000 });
    clock.t += 1_500;
    const fast = await cache.getOrSet('k', async () => 'v2', { ttl: 1_000, grace: 60_000, softTimeout: 200 });
    expect(fast).toBe('v2');
    clock.t += 1_500;
    const slow = await cache.getOrSet('k', () => new Promise<string>((r) => setTimeout(() => r('v3'), 150)), {
      ttl: 1_000,
      grace: 60_000,
      softTimeout: 20,
    });
    expect(slow).toBe('v2');
    await tick(200);
    expect(await cache.get('k')).toBe('v3');
    await cache.close();
  });

  it('hardTimeout: a slow loader rejects with TIMEOUT; a slow refresh keeps the stale value and stores nothing', async () => {
    const clock = clocked();
    const cache = createCache<string>(memoryProvider(), { name: 'swr-hard', clock });
    const slow = () => new Promise<string>((r) => setTimeout(() => r('late'), 100));
    await expect(cache.getOrSet('a', slow, { ttl: 1_000, hardTimeout: 10 })).rejects.toSatisfy((e) =>
      isCacheError(e, 'TIMEOUT'),
    );
    await cache.getOrSet('k', () => 'v1', { ttl: 1_000, grace: 60_000 });
    clock.t += 1_500;
    expect(await cache.getOrSet('k', slow, { ttl: 1_000, grace: 60_000, hardTimeout: 10 })).toBe('v1');
    await tick(150);
    expect(await cache.getOrSet('k', () => 'v2', { ttl: 1_000, grace: 60_000, softTimeout: 50 })).toBe('v2');
    await cache.close();
  });

  it('a delete during a refresh wins: the refreshed value is not stored', async () => {
    const clock = clocked();
    const cache = createCache<string>(memoryProvider(), { name: 'swr-delete', clock });
    await cache.getOrSet('k', () => 'v1', { ttl: 1_000, grace: 60_000 });
    clock.t += 1_500;
    let release!: (v: string) => void;
    expect(
      await cache.getOrSet('k', () => new Promise<string>((r) => (release = r)), { ttl: 1_000, grace: 60_000 }),
    ).toBe('v1');
    await tick(5);
    expect(await cache.delete('k')).toBe(true);
    release('v2');
    await tick(5);
    expect(await cache.get('k')).toBeUndefined();
    await cache.close();
  });

  it('across processes on a distributed store: one refresh per key, and a removal in another process wins', async () => {
    const rows = new Map<string, Row>();
    const clock = clocked();
    const a = createCache<string>(remoteProvider(rows, 2), { name: 'swr', clock });
    const b = createCache<string>(remoteProvider(rows, 2), { name: 'swr', clock });
    const opts = { ttl: 1_000, grace: 60_000 };
    await a.getOrSet('k', () => 'v1', opts);
    clock.t += 1_500;
    let loads = 0;
    const loader = async () => {
      loads++;
      await tick(20);
      return 'v2';
    };
    const served = await Promise.all([
      ...Array.from({ length: 5 }, () => a.getOrSet('k', loader, opts)),
      ...Array.from({ length: 5 }, () => b.getOrSet('k', loader, opts)),
    ]);
    expect(served).toEqual(Array(10).fill('v1'));
    await tick(60);
    expect(loads).toBe(1);
    expect(await b.get('k')).toBe('v2');

    clock.t += 1_500;
    let release!: (v: string) => void;
    expect(await a.getOrSet('k', () => new Promise<string>((r) => (release = r)), opts)).toBe('v2');
    await tick(20);
    expect(await b.delete('k')).toBe(true);
    release('v3');
    await tick(20);
    expect(await a.get('k')).toBeUndefined();
    expect(rows.size).toBe(0);
    await a.close();
    await b.close();
  });

  it('grace is refused on a cache whose store derives indexes from values; a bad grace is INVALID_TTL', async () => {
    const cache = createCache<string>(memoryProvider(), { name: 'swr-args' });
    await expect(cache.getOrSet('k', () => 'v', { ttl: 1_000, grace: 0 })).rejects.toSatisfy((e) =>
      isCacheError(e, 'INVALID_TTL'),
    );
    expect(await cache.getOrSet('k', () => 'v', { ttl: Number.POSITIVE_INFINITY, grace: 1_000 })).toBe('v');
    await cache.close();
  });
});
