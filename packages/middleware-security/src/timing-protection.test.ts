import { type CacheMetrics, createCache, createInProcessMetrics, isCacheError } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';
import { describe, expect, it } from 'vitest';
import { timingProtection } from './timing-protection.js';

async function elapsed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  try {
    await fn();
  } catch {}
  return performance.now() - t0;
}

describe('timingProtection', () => {
  const make = (metrics?: CacheMetrics, min: number | string = 15) =>
    createCache<string>(memoryProvider(), {
      name: `tp-${Math.random().toString(36).slice(2)}`,
      middleware: [timingProtection({ minProcessingTime: min })],
      ...(metrics === undefined ? {} : { metrics }),
    });

  it('pads hits, misses, errors and getOrSet to at least the minimum', async () => {
    const cache = make(undefined, '15ms');
    await cache.set('k', 'v');
    const times = {
      hit: await elapsed(() => cache.get('k')),
      miss: await elapsed(() => cache.get('nope')),
      getOrSetHit: await elapsed(() => cache.getOrSet('k', () => 'x')),
      getOrSetMiss: await elapsed(() => cache.getOrSet('new', () => 'x')),
      loaderError: await elapsed(() =>
        cache.getOrSet('boom', () => {
          throw new Error('db down');
        }),
      ),
      addIndexNotFound: await elapsed(() => cache.addIndex('i', 'missing', 'x')),
    };
    for (const [what, ms] of Object.entries(times)) expect(ms, what).toBeGreaterThanOrEqual(15);
    await cache.close();
  });

  it('still rejects with the original error after padding', async () => {
    const cache = make();
    const err = await cache
      .getOrSet('k', () => {
        throw new Error('db down');
      })
      .catch((e: unknown) => e);
    expect(isCacheError(err, 'LOADER_FAILED')).toBe(true);
    await cache.close();
  });

  it('pads concurrent operations independently, not one after another', async () => {
    const cache = make(undefined, 20);
    await cache.set('k', 'v');
    const t0 = performance.now();
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => cache.get(i % 2 === 0 ? 'k' : `m${i}`)));
    const total = performance.now() - t0;
    expect(results.filter((r) => r === 'v')).toHaveLength(500);
    expect(total).toBeGreaterThanOrEqual(20);
    // Serialised padding would take 1000 × 20 ms = 20 s.
    expect(total).toBeLessThan(2000);
    await cache.close();
  });

  it('records actual and padded durations', async () => {
    const metrics = createInProcessMetrics();
    const cache = make(metrics, 5);
    await cache.get('a');
    await cache.get('b');
    const snap = metrics.snapshot();
    expect(snap.timingProtection.count).toBe(2);
    expect(snap.timingProtection.paddingMs).toBeGreaterThan(5);
    await cache.close();
  });

  it('adds jitter within bounds', async () => {
    const cache = createCache<string>(memoryProvider(), {
      name: 'tp-jitter',
      middleware: [timingProtection({ minProcessingTime: 5, jitter: 10 })],
    });
    const ms = await Promise.all(Array.from({ length: 20 }, (_, i) => elapsed(() => cache.get(`k${i}`))));
    for (const m of ms) expect(m).toBeGreaterThanOrEqual(5);
    expect(Math.max(...ms) - Math.min(...ms)).toBeGreaterThan(0.5);
    await cache.close();
  });

  it('rejects bad options with INVALID_ARGUMENT', () => {
    for (const bad of [{ minProcessingTime: 0 }, { minProcessingTime: 'soon' }, { minProcessingTime: Infinity }]) {
      expect(() => timingProtection(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    expect(() => timingProtection({ minProcessingTime: 5, jitter: -1 })).toThrow(/jitter/);
    expect(() => timingProtection(null as never)).toThrow(/minProcessingTime/);
  });
});
