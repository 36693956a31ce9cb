import { type CacheError, isCacheError } from '@gocache/core';
import { describe, expect, it } from 'vitest';
import { toDerivedIndexes } from './derived-indexes.js';
import { IndexPlan } from './index-plan.js';
import { limitVictims, overLimitOf } from './limits.js';

// The limit rule exists once (overLimitOf); this is its only unit test. How every store applies
// the decision is the conformance kit's derivedIndexes group.

interface S {
  u: string;
}
const plan = new IndexPlan<S>(
  'sessions',
  {
    by_user: { pattern: '*', by: (s) => s.u, limit: { max: 2, onExceed: 'evict-oldest' } },
    by_user_strict: { pattern: '*', by: (s) => s.u, limit: { max: 2, onExceed: 'reject' } },
    open: { pattern: '*', by: (s) => s.u },
  },
  'test',
);
const over = overLimitOf('sessions', plan);
const m = (key: string, createdAt: number) => ({ key, createdAt });

describe('overLimitOf, the limit rule', () => {
  it('decides nothing while the set has room after the join', () => {
    expect(over('k', 'by_user', 'u1', [m('a', 1)])).toEqual([]);
    expect(over('k', 'by_user_strict', 'u1', [m('a', 1)])).toEqual([]);
    expect(over('k', 'open', 'u1', [m('a', 1), m('b', 2), m('c', 3)])).toEqual([]);
  });

  it('evict-oldest names the oldest others by createdAt, ties by key, as many as the excess', () => {
    expect(over('k', 'by_user', 'u1', [m('c', 5), m('a', 9), m('b', 5)])).toEqual(['b', 'c']);
    expect(over('k', 'by_user', 'u1', [m('z', 1), m('y', 2)])).toEqual(['z']);
  });

  it('reject refuses with ACCESS_DENIED naming the cache, key, index and the fix', () => {
    let e: unknown;
    try {
      over('k', 'by_user_strict', 'u1', [m('a', 1), m('b', 2)]);
    } catch (x) {
      e = x;
    }
    expect(isCacheError(e, 'ACCESS_DENIED')).toBe(true);
    expect((e as CacheError).cacheName).toBe('sessions');
    expect((e as CacheError).key).toBe('k');
    expect((e as CacheError).message).toMatch(
      /index "by_user_strict" key "u1" already holds its limit of 2.*delete one first/,
    );
  });
});

describe('limitVictims, the decision for stores that are not one atomic step', () => {
  const d = toDerivedIndexes('sessions', plan);
  const reader = (sets: Record<string, string[]>, created: Record<string, number>) => ({
    members: async (name: string, ik: string) => sets[`${name}/${ik}`] ?? [],
    createdAt: async (keys: readonly string[]) => keys.map((k) => created[k]),
  });

  it('asks only for limited sets the key newly joins, counting live members', async () => {
    const r = reader({ 'by_user/u1': ['a', 'b', 'gone'] }, { a: 1, b: 2 });
    expect(await limitVictims(d, r, 'k', ['by_user', 'u1'])).toEqual(['a']);
    // Already a member: a re-write decides nothing.
    expect(await limitVictims(d, reader({ 'by_user/u1': ['a', 'k'] }, { a: 1, k: 2 }), 'k', ['by_user', 'u1'])).toEqual(
      [],
    );
    // A member that is gone does not count.
    expect(await limitVictims(d, reader({ 'by_user/u1': ['a', 'gone'] }, { a: 1 }), 'k', ['by_user', 'u1'])).toEqual(
      [],
    );
  });

  it('counts earlier keys of the same batch as members created now', async () => {
    const r = reader({ 'by_user/u1': ['a'] }, { a: 1 });
    const joining = new Map([['by_user\u0000u1', ['b']]]);
    expect(await limitVictims(d, r, 'k', ['by_user', 'u1'], joining)).toEqual(['a']);
    await expect(
      limitVictims(d, r, 'k', ['by_user_strict', 'u1'], new Map([['by_user_strict\u0000u1', ['a', 'b']]])),
    ).rejects.toThrow(/already holds its limit/);
  });
});
