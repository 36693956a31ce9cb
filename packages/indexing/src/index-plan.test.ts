import { isCacheError } from '@gocache/core';
import { describe, expect, it } from 'vitest';
import { IndexPlan } from './index-plan.js';

interface Session {
  userId?: unknown;
  roles?: unknown;
}

const plan = new IndexPlan<Session>(
  't',
  {
    // Junk on purpose: the tests feed values a typed `by` would not return.
    by_user: { pattern: 'session:*', by: (s) => s.userId as string },
    by_role: { pattern: 'session:*', by: (s) => s.roles as string[] },
  },
  'test',
);
const invalid = (e: unknown) => isCacheError(e) && e.code === 'INVALID_VALUE';

describe('IndexPlan.derive', () => {
  it('emits pairs sorted by index name, several keys sorted and de-duplicated, nothing for null', () => {
    expect(plan.derive('session:1', { userId: 'u1', roles: ['b', 'a', 'b'] }, 'set')).toEqual([
      'by_role',
      'a',
      'by_role',
      'b',
      'by_user',
      'u1',
    ]);
    expect(plan.derive('session:1', { userId: 'u1', roles: ['x'] }, 'set')).toEqual(['by_role', 'x', 'by_user', 'u1']);
    expect(plan.derive('session:1', { userId: null, roles: [] }, 'set')).toEqual([]);
    expect(plan.derive('other:1', { userId: 'u1' }, 'set')).toEqual([]);
  });

  it('refuses keys that are not non-empty well-formed strings', () => {
    for (const v of [{ userId: '' }, { userId: 'a\uD800' }, { roles: [''] }, { roles: [7] }, { roles: [null] }]) {
      expect(() => plan.derive('session:1', v, 'set')).toThrow(/index keys are non-empty strings/);
    }
    expect(() => plan.derive('session:1', { roles: ['a', '\uDC00'] }, 'set')).toThrow(/malformed/);
    expect(() => plan.derive('session:1', { userId: {} }, 'set')).toThrow(/by must return a string/);
    expect(() => plan.derive('session:1', { userId: 5 }, 'set')).toThrow(/by must return a string/);
  });
});

describe('IndexPlan.deriveFrom', () => {
  it('returns prev itself when the value derives exactly it', () => {
    const prev = plan.derive('session:1', { userId: 'u1', roles: ['a', 'b'] }, 'set');
    const copy = [...prev];
    expect(plan.deriveFrom('session:1', { userId: 'u1', roles: ['b', 'a'] }, prev)).toBe(prev);
    // Equal strings that are not the same objects count as equal.
    expect(plan.deriveFrom('session:1', { userId: `u${1}`, roles: ['a', 'b'] }, copy)).toBe(copy);
  });

  it('returns a fresh array, leaving prev alone, when anything differs', () => {
    const prev = plan.derive('session:1', { userId: 'u1', roles: ['a'] }, 'set');
    const before = [...prev];
    const moved = plan.deriveFrom('session:1', { userId: 'u2', roles: ['a'] }, prev);
    expect(moved).toEqual(['by_role', 'a', 'by_user', 'u2']);
    expect(moved).not.toBe(prev);
    expect(plan.deriveFrom('session:1', { userId: 'u1', roles: ['a', 'c'] }, prev)).toEqual([
      'by_role',
      'a',
      'by_role',
      'c',
      'by_user',
      'u1',
    ]);
    expect(plan.deriveFrom('session:1', { userId: 'u1' }, prev)).toEqual(['by_user', 'u1']);
    expect(plan.deriveFrom('session:1', { roles: ['a'] }, prev)).toEqual(['by_role', 'a']);
    expect(plan.deriveFrom('session:1', {}, prev)).toEqual([]);
    expect(plan.deriveFrom('session:1', { userId: 'u1', roles: ['a'] }, undefined)).toEqual(before);
    expect(prev).toEqual(before);
  });

  it('ignores what follows the derived pairs in prev (memberships of other indexes)', () => {
    const prev = ['by_role', 'a', 'by_user', 'u1', 'manual', 'm'];
    expect(plan.deriveFrom('session:1', { userId: 'u1', roles: ['a'] }, prev)).toEqual([
      'by_role',
      'a',
      'by_user',
      'u1',
    ]);
    expect(plan.deriveFrom('session:1', { userId: 'u1', roles: ['a'] }, ['manual', 'm'])).toEqual([
      'by_role',
      'a',
      'by_user',
      'u1',
    ]);
  });

  it('validates keys that differ from prev, as derive does', () => {
    const prev = ['by_role', 'a', 'by_user', 'u1'];
    for (const v of [
      { userId: '', roles: ['a'] },
      { userId: 'u1', roles: [''] },
      { userId: 'u1', roles: 3 },
    ]) {
      expect(() => plan.deriveFrom('session:1', v, prev)).toThrow(expect.toSatisfy(invalid));
    }
    expect(() => plan.deriveFrom('session:1', { userId: 'u\uD800', roles: ['a'] }, prev)).toThrow(/malformed/);
  });
});
