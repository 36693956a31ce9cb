import { isCacheError, SPECIFICATION_VERSION, type StoreConfig } from '@gocache/core';
import { storeConfig } from '@gocache/core/store-kit';
import { describe, expect, it } from 'vitest';
import { memoryProvider } from './memory-provider.js';
import type { MemoryStore } from './memory-store.js';

const config = (name: string, onLeave?: StoreConfig['onLeave']): StoreConfig =>
  storeConfig({ name, cleanupIntervalMs: 60_000, onLeave });

describe('memoryProvider', () => {
  it('declares what the conformance kit checks', () => {
    const p = memoryProvider();
    expect(p.name).toBe('memory');
    expect(p.specificationVersion).toBe(SPECIFICATION_VERSION);
    expect(p.capabilities).toEqual({
      distributed: false,
      fakeClock: true,
      eviction: true,
      indexes: true,
      referenceValues: true,
      accessTracking: true,
      derivedIndexes: true,
    });
  });

  it('gives each cache its own namespace', () => {
    const p = memoryProvider();
    const a = p.createStore<number>(config('a'));
    const b = p.createStore<number>(config('b'));
    a.set('k', 1, Infinity);
    expect(b.get('k')).toBeUndefined();
    a.clear();
    b.set('k', 2, Infinity);
    expect(a.get('k')).toBeUndefined();
  });

  it('close() closes every store it made (entries leave as closed) and refuses new ones', async () => {
    const p = memoryProvider();
    const left: string[] = [];
    const s = p.createStore<number>(config('a', (e) => left.push(`${e.key}:${e.reason}`))) as MemoryStore<number>;
    s.set('k', 1, 1000);
    await p.close();
    await p.close();
    expect(left).toEqual(['k:closed']);
    expect(s.stats()).toMatchObject({ entries: 0, sweeping: false });
    let err: unknown;
    try {
      p.createStore(config('b'));
    } catch (e) {
      err = e;
    }
    expect(isCacheError(err, 'CLOSED')).toBe(true);
  });
});
