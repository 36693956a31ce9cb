import { describe, expect, it } from 'vitest';
import { makeStore } from '../test/fixtures.js';

describe('index sets in the store', () => {
  it('answers queries after departures from the middle, in no particular order', () => {
    const { store } = makeStore<number>();
    const keys = ['s0', 's1', 's2', 's3', 's4', 's5'];
    for (const k of keys) {
      store.set(k, 1, Infinity);
      store.addIndex('ix', k, 'v');
    }
    store.delete('s1');
    store.removeIndex('ix', 's3', 'v');
    // Order is not insertion order once a member left; callers sort (queries do).
    expect(store.getByIndex('ix', 'v').sort()).toEqual(['s0', 's2', 's4', 's5']);
    expect(store.deleteByIndex('ix', 'v')).toBe(4);
    expect(store.getByIndex('ix', 'v')).toEqual([]);
    expect(store.stats()).toMatchObject({ entries: 1, indexSets: 0, indexMemberships: 0, slotsWithMemberships: 0 });
  });

  it('names the new entry of a reused slot, never the one that left it', () => {
    const { store } = makeStore<number>();
    for (const k of ['a', 'b', 'c']) {
      store.set(k, 1, Infinity);
      store.addIndex('ix', k, 'old');
    }
    const freeBefore = store.stats().freeSlots;
    store.delete('b');
    expect(store.stats().freeSlots).toBe(freeBefore + 1);
    store.set('d', 1, Infinity);
    expect(store.stats().freeSlots).toBe(freeBefore);
    store.addIndex('ix', 'd', 'new');
    expect(store.getByIndex('ix', 'old').sort()).toEqual(['a', 'c']);
    expect(store.getByIndex('ix', 'new')).toEqual(['d']);
    expect(store.getMetadata('d')!.indexes).toEqual([{ indexName: 'ix', indexKey: 'new' }]);
  });

  it('drops expired members found by a query, and keeps the rest findable', () => {
    const { store, clock } = makeStore<number>();
    for (let i = 0; i < 6; i++) {
      store.set(`k${i}`, i, i % 2 === 0 ? 10 : Infinity);
      store.addIndex('ix', `k${i}`, 'v');
    }
    clock.advance(10);
    expect(store.getByIndex('ix', 'v').sort()).toEqual(['k1', 'k3', 'k5']);
    expect(store.stats()).toMatchObject({ entries: 3, indexMemberships: 3 });
    store.delete('k3');
    expect(store.getByIndex('ix', 'v').sort()).toEqual(['k1', 'k5']);
  });

  it.each(['clear', 'close'] as const)('frees every set on %s', (how) => {
    const { store } = makeStore<{ u: string }>();
    store.deriveIndexes({
      names: new Set(['by_u']),
      derive: (_k, v) => ['by_u', (v as { u: string }).u],
      limits: new Map(),
      overLimit: () => [],
    });
    for (let i = 0; i < 50; i++) store.set(`k${i}`, { u: `u${i % 5}` }, Infinity);
    for (let i = 0; i < 50; i++) store.set(`k${i}`, { u: `u${(i + 1) % 5}` }, Infinity);
    expect(store.stats()).toMatchObject({ indexSets: 5, indexMemberships: 50 });
    store[how]();
    expect(store.stats()).toMatchObject({ entries: 0, indexNames: 0, indexSets: 0, indexMemberships: 0 });
    expect(store.getByIndex('by_u', 'u1')).toEqual([]);
    if (how === 'clear') {
      store.set('k0', { u: 'u1' }, Infinity);
      expect(store.getByIndex('by_u', 'u1')).toEqual(['k0']);
    }
  });
});
