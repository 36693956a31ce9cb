import { CacheError, type DerivedIndexes } from '@gocache/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeStore } from '../test/fixtures.js';

interface Doc {
  owner: string;
  tags?: string[];
}

function deriveDoc(_key: string, value: unknown): string[] {
  const v = value as Doc;
  if (v.owner === '') throw new CacheError('INVALID_VALUE', 'owner required', { cacheName: 't', op: 'set' });
  const out = ['by_owner', v.owner];
  for (const t of [...(v.tags ?? [])].sort()) out.push('by_tag', t);
  return out;
}

/** Calls of `deriveFrom` and what it was handed, for the tests of that path. */
const fromCalls: { prev: readonly string[] | undefined; result: readonly string[] }[] = [];

/** `deriveFrom` as `@gocache/indexing` defines it: `prev` itself when unchanged, else a fresh array. */
function deriveDocFrom(key: string, value: unknown, prev: readonly string[] | undefined): readonly string[] {
  const next = deriveDoc(key, value);
  const same = prev !== undefined && prev.length === next.length && next.every((x, i) => prev[i] === x);
  const result = same ? prev : next;
  fromCalls.push({ prev, result });
  return result;
}

let withFrom = false;

function byOwner(): DerivedIndexes {
  const d: DerivedIndexes = {
    names: new Set(['by_owner', 'by_tag']),
    derive: deriveDoc,
    limits: new Map(),
    // Limits are the conformance kit's derivedIndexes group (every store), the rule indexing's.
    overLimit: () => [],
  };
  return withFrom ? Object.assign(d, { deriveFrom: deriveDocFrom }) : d;
}

describe.each([
  { via: 'derive', from: false },
  { via: 'deriveFrom', from: true },
])('deriveIndexes (via $via)', ({ from }) => {
  beforeEach(() => {
    withFrom = from;
    fromCalls.length = 0;
  });

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

  it('keeps memberships made by addIndex in other indexes across moves and re-writes', () => {
    const { store } = makeStore<Doc>();
    store.deriveIndexes(byOwner());
    store.addIndex('manual', 'd', 'm'); // no entry yet: refused
    store.set('d', { owner: 'ann' }, Infinity);
    store.addIndex('manual', 'd', 'm');
    store.addIndex('by_owner', 'd', 'extra'); // a derived index: the next write decides it
    store.set('d', { owner: 'ann' }, Infinity);
    expect(store.getByIndex('by_owner', 'extra')).toEqual([]);
    store.set('d', { owner: 'ann', tags: ['t'] }, Infinity);
    store.set('d', { owner: 'ann', tags: ['t'] }, Infinity);
    const names = () =>
      store
        .getMetadata('d')!
        .indexes.map((i) => `${i.indexName}=${i.indexKey}`)
        .sort();
    expect(names()).toEqual(['by_owner=ann', 'by_tag=t', 'manual=m']);
    store.set('d', { owner: 'bob' }, Infinity);
    expect(names()).toEqual(['by_owner=bob', 'manual=m']);
    expect(store.getByIndex('by_tag', 't')).toEqual([]);
    expect(store.stats()).toMatchObject({ indexSets: 2, indexMemberships: 2 });
  });
});

describe('deriveIndexes with deriveFrom', () => {
  beforeEach(() => {
    withFrom = true;
    fromCalls.length = 0;
  });

  it("hands deriveFrom the entry's current list, which an unchanged write keeps as it is", () => {
    const { store } = makeStore<Doc>();
    store.deriveIndexes(byOwner());
    store.set('d', { owner: 'ann', tags: ['x'] }, Infinity);
    expect(fromCalls[0]!.prev).toBeUndefined();
    const kept = fromCalls[0]!.result;
    store.set('d', { owner: 'ann', tags: ['x'] }, Infinity);
    // The second call got the very array the first returned (kept, not copied), and handed it back.
    expect(fromCalls[1]!.prev).toBe(kept);
    expect(fromCalls[1]!.result).toBe(kept);
    expect(kept).toEqual(['by_owner', 'ann', 'by_tag', 'x']);
    // A move with as many pairs rewrites the list in place; one with more gets a new list.
    store.set('d', { owner: 'bob', tags: ['x'] }, Infinity);
    expect(fromCalls[2]!.prev).toBe(kept);
    expect(kept).toEqual(['by_owner', 'bob', 'by_tag', 'x']);
    store.set('d', { owner: 'bob', tags: ['x'] }, Infinity);
    expect(fromCalls[3]!.result).toBe(kept);
    store.set('d', { owner: 'bob', tags: ['x', 'y'] }, Infinity);
    expect(fromCalls[4]!.result).not.toBe(kept);
    store.set('d', { owner: 'bob', tags: ['x', 'y'] }, Infinity);
    expect(fromCalls[5]!.prev).toBe(fromCalls[4]!.result); // kept without a copy
    store.set('d', { owner: 'bob', tags: ['x'] }, Infinity);
    expect(store.getByIndex('by_tag', 'y')).toEqual([]);
    expect(store.getByIndex('by_owner', 'ann')).toEqual([]);
    expect(store.getByIndex('by_owner', 'bob')).toEqual(['d']);
    store.delete('d');
    store.set('d', { owner: 'cy' }, Infinity);
    expect(fromCalls.at(-1)!.prev).toBeUndefined(); // a new entry starts without memberships
  });

  it('calls deriveFrom as a method of the object it was given', () => {
    const { store } = makeStore<Doc>();
    const d = Object.assign(byOwner(), {
      deriveFrom(this: DerivedIndexes, key: string, value: unknown, prev: readonly string[] | undefined) {
        expect(this).toBe(d);
        return deriveDocFrom(key, value, prev);
      },
    });
    store.deriveIndexes(d);
    store.set('d', { owner: 'ann' }, Infinity);
    store.set('d', { owner: 'bob' }, Infinity);
    expect(fromCalls).toHaveLength(2);
    expect(store.getByIndex('by_owner', 'bob')).toEqual(['d']);
  });
});
