import { compileGlob, type EntryLeaveEvent, type StoreConfig } from '@gocache/core';
import { storeConfig } from '@gocache/core/store-kit';
import { describe, expect, it } from 'vitest';
import { mapStore } from './map-store.ts';

function config(over: Partial<StoreConfig> = {}): StoreConfig & { clock: { t: number } } {
  const clock = { t: 1_000 };
  return { ...storeConfig({ name: 'test', now: () => clock.t, ...over }), clock };
}

describe('mapStore', () => {
  it('index storage does not grow as indexed entries churn (measured)', () => {
    const store = mapStore<number>(config());
    for (let i = 0; i < 10_000; i++) {
      store.set(`k${i}`, i, Number.POSITIVE_INFINITY);
      store.addIndex!('byUser', `k${i}`, `u${i}`);
      store.addIndex!('all', `k${i}`, 'x');
      store.delete(`k${i}`);
    }
    expect(store.indexFootprint!()).toBe(0);
  });

  it('expired entries nobody reads are reclaimed by writes, with their index memberships', () => {
    const c = config();
    const store = mapStore<number>(c);
    let most = 0;
    for (let i = 0; i < 10_000; i++) {
      store.set(`k${i}`, i, 10);
      store.addIndex!('idx', `k${i}`, `v${i}`);
      c.clock.t += 1;
      most = Math.max(most, store.indexFootprint!() as number);
    }
    // About 10 entries are live at a time; each write examines a few, so few dead ones remain.
    expect(most).toBeLessThan(40);
    expect([...(store.scan(compileGlob('*')) as Iterable<string>)].length).toBeLessThanOrEqual(10);
  });

  it('sends leave events after the operation: a listener sees the final state', () => {
    const seen: string[] = [];
    const c = config({
      onLeave: (e: EntryLeaveEvent) => seen.push(`${e.reason}:${e.key}:${String(store.get(e.key))}`),
    });
    const store = mapStore<number>(c);
    store.set('a', 1, Number.POSITIVE_INFINITY);
    store.set('a', 2, Number.POSITIVE_INFINITY);
    store.set('b', 1, 10);
    c.clock.t += 10;
    store.set('b', 3, 10);
    store.clear();
    expect(seen).toEqual(['replaced:a:2', 'expired:b:3', 'cleared:a:undefined', 'cleared:b:undefined']);
  });

  it('compareAndSet writes only over the expected version', () => {
    const store = mapStore<number>(config());
    expect(store.compareAndSet('k', null, 1, Number.POSITIVE_INFINITY)).toBe(true);
    expect(store.compareAndSet('k', null, 2, Number.POSITIVE_INFINITY)).toBe(false);
    const v = store.getVersioned('k') as { version: unknown };
    expect(store.compareAndSet('k', v.version, 3, Number.POSITIVE_INFINITY)).toBe(true);
    expect(store.compareAndSet('k', v.version, 4, Number.POSITIVE_INFINITY)).toBe(false);
    expect(store.get('k')).toBe(3);
  });

  it('the cleanup timer is unref’d and stopped by close()', () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const store = mapStore<number>(config({ cleanupIntervalMs: 10 }));
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(before);
    store.close();
  });
});
