import { CacheError, type DerivedIndexes, type DerivedIndexLimit } from '@gocache/core';
import { describe, expect, it } from 'vitest';
import { makeStore } from '../test/fixtures.js';

interface Doc {
  owner: string;
  tags?: string[];
}

function byOwner(limits: Record<string, DerivedIndexLimit> = {}): DerivedIndexes {
  return {
    names: new Set(['by_owner', 'by_tag']),
    derive: (_key, value) => {
      const v = value as Doc;
      if (v.owner === '') throw new CacheError('INVALID_VALUE', 'owner required', { cacheName: 't', op: 'set' });
      const out = ['by_owner', v.owner];
      for (const t of [...(v.tags ?? [])].sort()) out.push('by_tag', t);
      return out;
    },
    limits: new Map(Object.entries(limits)),
    limitError: (key, name, ik) =>
      new CacheError('ACCESS_DENIED', `${name}/${ik} full`, { cacheName: 't', op: 'set', key }),
  };
}

describe('deriveIndexes', () => {
  it('keeps derived memberships in step with every write and leaves other indexes alone', () => {
    const { store } = makeStore<Doc>();
    store.deriveIndexes(byOwner());
    store.set('d1', { owner: 'ann', tags: ['x', 'y'] }, Infinity);
    store.addIndex('manual', 'd1', 'm');
    expect(store.getByIndex('by_owner', 'ann')).toEqual(['d1']);
    expect(store.getByIndex('by_tag', 'y')).toEqual(['d1']);
    store.set('d1', { owner: 'bob', tags: ['x'] }, Infinity);
    expect(store.getByIndex('by_owner', 'ann')).toEqual([]);
    expect(store.getByIndex('by_owner', 'bob')).toEqual(['d1']);
    expect(store.getByIndex('by_tag', 'y')).toEqual([]);
    expect(store.getByIndex('manual', 'm')).toEqual(['d1']);
    expect(store.compareAndSet('d2', null, { owner: 'bob' }, Infinity)).toBe(true);
    expect(store.setIfExists('d2', { owner: 'cy' }, Infinity)).toBe(true);
    expect(store.getByIndex('by_owner', 'bob')).toEqual(['d1']);
    expect(store.getByIndex('by_owner', 'cy')).toEqual(['d2']);
    store.delete('d1');
    store.delete('d2');
    expect(store.stats()).toMatchObject({ indexSets: 0, indexMemberships: 0 });
  });

  it('writes nothing when derive throws', () => {
    const { store } = makeStore<Doc>();
    store.deriveIndexes(byOwner());
    store.set('d', { owner: 'ann' }, Infinity);
    expect(() => store.set('d', { owner: '' }, Infinity)).toThrow(/owner required/);
    expect(store.get('d')).toEqual({ owner: 'ann' });
    expect(store.getByIndex('by_owner', 'ann')).toEqual(['d']);
  });

  it('refuses a write into a full reject-limited set, counting only live members', () => {
    const { store, clock } = makeStore<Doc>();
    store.deriveIndexes(byOwner({ by_owner: { max: 2, onExceed: 'reject' } }));
    store.set('a', { owner: 'ann' }, Infinity);
    store.set('b', { owner: 'ann' }, 10);
    expect(() => store.set('c', { owner: 'ann' }, Infinity)).toThrow(/by_owner\/ann full/);
    expect(store.has('c')).toBe(false);
    store.set('b', { owner: 'ann', tags: ['t'] }, 10); // already a member: not a join
    clock.advance(10);
    store.set('c', { owner: 'ann' }, Infinity);
    expect(store.getByIndex('by_owner', 'ann').sort()).toEqual(['a', 'c']);
  });

  it('evicts the oldest other members beyond an evict-oldest limit', () => {
    const { store, clock, reasons } = makeStore<Doc>();
    store.deriveIndexes(byOwner({ by_owner: { max: 2, onExceed: 'evict-oldest' } }));
    for (const k of ['s1', 's2', 's3']) {
      store.set(k, { owner: 'ann' }, Infinity);
      clock.advance(1);
    }
    expect(store.getByIndex('by_owner', 'ann').sort()).toEqual(['s2', 's3']);
    expect(reasons()).toEqual(['s1:deleted']);
    store.set('s2', { owner: 'ann', tags: ['x'] }, Infinity); // rewrite of a member evicts nobody
    expect(store.getByIndex('by_owner', 'ann').sort()).toEqual(['s2', 's3']);
  });

  it('a re-write with the same memberships is a no-op, and a move leaves them in canonical order', () => {
    const { store } = makeStore<Doc>();
    store.deriveIndexes(byOwner());
    store.set('d', { owner: 'ann', tags: ['x'] }, Infinity);
    store.set('d', { owner: 'ann', tags: ['x'] }, Infinity);
    expect(store.getMetadata('d')!.indexes).toEqual([
      { indexName: 'by_owner', indexKey: 'ann' },
      { indexName: 'by_tag', indexKey: 'x' },
    ]);
    // A move that removes the first pair and adds a new one: the kept list follows derive's order.
    store.set('d', { owner: 'bob', tags: ['x'] }, Infinity);
    expect(store.getMetadata('d')!.indexes).toEqual([
      { indexName: 'by_owner', indexKey: 'bob' },
      { indexName: 'by_tag', indexKey: 'x' },
    ]);
    store.set('d', { owner: 'bob', tags: ['x'] }, Infinity);
    expect(store.getByIndex('by_owner', 'bob')).toEqual(['d']);
    expect(store.getByIndex('by_owner', 'ann')).toEqual([]);
    // A manual membership in another index keeps the slow path correct.
    store.addIndex('manual', 'd', 'm');
    store.set('d', { owner: 'cy', tags: [] }, Infinity);
    expect(
      store
        .getMetadata('d')!
        .indexes.map((i) => `${i.indexName}=${i.indexKey}`)
        .sort(),
    ).toEqual(['by_owner=cy', 'manual=m']);
    expect(store.stats()).toMatchObject({ indexSets: 2, indexMemberships: 2 });
  });
});
