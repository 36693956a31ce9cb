import { createCache, isCacheError } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';
import { describe, expect, it } from 'vitest';
import { soloBus } from '../test/solo-bus.js';
import { watched } from '../test/watched.js';
import { tieredProvider } from './index.js';

const bus = {
  origin: 'x',
  state: 'down' as const,
  publish: async () => {},
  subscribe: () => () => {},
  ready: async () => {},
  close: async () => {},
};

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isCacheError(e) ? e.code : 'not a CacheError';
  }
  return undefined;
}

describe('tieredProvider options', () => {
  it('refuses bad input with a typed error', () => {
    const l1 = memoryProvider();
    const l2 = memoryProvider();
    expect(code(() => tieredProvider({ l1, l2, bus, l1Ttl: 0 }))).toBe('INVALID_TTL');
    expect(code(() => tieredProvider({ l1, l2, bus, l1Ttl: Number.POSITIVE_INFINITY }))).toBe('INVALID_ARGUMENT');
    expect(code(() => tieredProvider({ l1: {} as never, l2, bus, l1Ttl: '1s' }))).toBe('INVALID_ARGUMENT');
    expect(code(() => tieredProvider({ l1, l2, bus: {} as never, l1Ttl: '1s' }))).toBe('INVALID_ARGUMENT');
    expect(code(() => tieredProvider({ l1, l2, bus, l1Ttl: '1s' }))).toBeUndefined();
  });

  it('derives its capabilities from L2 (never eviction; a local bound where L1 evicts)', () => {
    const p = tieredProvider({ l1: memoryProvider(), l2: memoryProvider(), bus, l1Ttl: '1s' });
    expect(p.capabilities).toEqual({
      distributed: false,
      fakeClock: true,
      eviction: false,
      localBound: true,
      indexes: true,
      referenceValues: false,
      accessTracking: false,
      derivedIndexes: true,
    });
  });
});

describe('maxEntries on a tiered cache', () => {
  it("bounds each process's L1 and loses no entry: L2 keeps every one (API.md §9's example)", async () => {
    const l1 = watched(memoryProvider({ policy: 'tinylfu' }));
    const l2 = watched(memoryProvider());
    const provider = tieredProvider({ l1: l1.provider, l2: l2.provider, bus: soloBus, l1Ttl: '10s' });
    const sessions = createCache<{ user: string }>(provider, { name: 'sessions', ttl: '24h', maxEntries: 10 });
    const [l1Store] = l1.stores;
    const [l2Store] = l2.stores;
    const l1Size = () => l1Store!.size!() as number;
    for (let i = 0; i < 30; i++) {
      await sessions.set(`s:${i}`, { user: `u${i}` });
      expect(l1Size()).toBeLessThanOrEqual(10);
    }
    expect(l1Size()).toBe(10);
    expect(l2Store!.size!()).toBe(30);
    for (const pass of [1, 2]) {
      for (let i = 0; i < 30; i++) {
        expect(await sessions.get(`s:${i}`), `s:${i}, pass ${pass}`).toEqual({ user: `u${i}` });
        expect(l1Size()).toBeLessThanOrEqual(10);
      }
    }
    expect(await sessions.getKeysByPattern('s:*')).toHaveLength(30);
    // L1 still serves: a key read over and over (so the TinyLFU admission lets it in) stops costing L2 reads.
    for (let i = 0; i < 5; i++) await sessions.get('s:0');
    const before = l2.reads.count;
    await sessions.get('s:0');
    await sessions.get('s:0');
    expect(l2.reads.count).toBe(before);
    await provider.close();
  });

  it('with an L1 that does not evict, maxEntries is refused with the fix for a tiered cache', async () => {
    const memory = memoryProvider();
    const l1 = { ...memory, name: 'map', capabilities: { ...memory.capabilities, eviction: false } };
    const provider = tieredProvider({ l1, l2: memoryProvider(), bus: soloBus, l1Ttl: '10s' });
    expect(provider.capabilities.localBound).toBe(false);
    expect(() => createCache(provider, { name: 'sessions', maxEntries: 10 })).toThrow(
      /\[INVALID_ARGUMENT\] .*maxEntries is set but provider "tiered\(map\+memory\)" neither evicts entries .*a tiered cache needs an L1 that evicts \(e\.g\. tieredProvider\(\{ l1: memoryProvider\(\)/,
    );
    const unbounded = createCache<string>(provider, { name: 'unbounded' });
    await unbounded.set('k', 'v');
    expect(await unbounded.get('k')).toBe('v');
    await provider.close();
  });
});
