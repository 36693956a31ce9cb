import type { EntryLeaveEvent, StoreConfig } from '@gocache/core';
import { compileGlob } from '@gocache/core';
import { describe, expect, it } from 'vitest';
import { MapStore } from './map-store.ts';

function config(over: Partial<StoreConfig> = {}): StoreConfig & { clock: { t: number } } {
  const clock = { t: 1_000 };
  return {
    name: 'test',
    now: () => clock.t,
    maxEntries: undefined,
    cleanupIntervalMs: undefined,
    indexes: {},
    maxKeyLength: 1024,
    onLeave: undefined,
    metrics: undefined,
    providerOptions: undefined,
    clock,
    ...over,
  };
}

describe('MapStore', () => {
  it('index storage does not grow as indexed entries churn (measured)', () => {
    const store = new MapStore<number>(config());
    for (let i = 0; i < 10_000; i++) {
      store.set(`k${i}`, i, Number.POSITIVE_INFINITY);
      store.addIndex('byUser', `k${i}`, `u${i}`);
      store.addIndex('all', `k${i}`, 'x');
      store.delete(`k${i}`);
    }
    expect(store.indexSetCount()).toBe(0);
  });

  it('expired entries leave their indexes even if nobody reads them (amortised sweep)', () => {
    const c = config();
    const store = new MapStore<number>(c);
    for (let i = 0; i < 1_000; i++) {
      store.set(`k${i}`, i, 10);
      store.addIndex('idx', `k${i}`, `v${i}`);
      c.clock.t += 20;
    }
    // Sweeps run every max(64, size) writes, so at most one window of dead entries remains.
    expect(store.indexSetCount()).toBeLessThanOrEqual(64);
    expect(store.size()).toBe(0);
    expect(store.indexSetCount()).toBe(0);
  });

  it('evicts the oldest-inserted entry past maxEntries and reports it', () => {
    const events: EntryLeaveEvent[] = [];
    const store = new MapStore<number>(config({ maxEntries: 2, onLeave: (e) => events.push(e) }));
    store.set('a', 1, Number.POSITIVE_INFINITY);
    store.set('b', 2, Number.POSITIVE_INFINITY);
    store.set('a', 3, Number.POSITIVE_INFINITY); // an overwrite keeps a's place
    store.set('c', 4, Number.POSITIVE_INFINITY);
    expect([...store.scan(compileGlob('*'))].sort()).toEqual(['b', 'c']);
    expect(events.map((e) => `${e.reason}:${e.key}`)).toEqual(['replaced:a', 'evicted:a']);
  });

  it('compareAndSet writes only over the expected version', () => {
    const store = new MapStore<number>(config());
    expect(store.compareAndSet('k', null, 1, Number.POSITIVE_INFINITY)).toBe(true);
    expect(store.compareAndSet('k', null, 2, Number.POSITIVE_INFINITY)).toBe(false);
    const v = store.getVersioned('k')!;
    expect(store.compareAndSet('k', v.version, 3, Number.POSITIVE_INFINITY)).toBe(true);
    expect(store.compareAndSet('k', v.version, 4, Number.POSITIVE_INFINITY)).toBe(false);
    expect(store.get('k')).toBe(3);
  });

  it('the cleanup timer is unref’d and stopped by close()', () => {
    const store = new MapStore<number>(config({ cleanupIntervalMs: 10 }));
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    store.close();
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(before);
  });
});
