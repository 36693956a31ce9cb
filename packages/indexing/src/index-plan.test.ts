import { isCacheError } from '@gocache/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IndexPlan } from './index-plan.js';
import type { IndexDefinitions } from './types.js';

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

describe('IndexPlan.deriveFrom against derive, for every plan shape', () => {
  // One, two and three indexes on one 'prefix*' pattern get the specialised unchanged-write
  // check; a match-all pattern does too; mixed patterns take the general walk. Each must give
  // derive's answer, keep prev only when it is that answer, and run each `by` once per write.
  let calls = 0;
  const by =
    (field: 'a' | 'b' | 'c') =>
    (v: Record<string, unknown>): string => {
      calls++;
      if (v[field] === 'throw') throw new Error('boom');
      // Junk on purpose, as above.
      return v[field] as string;
    };
  const shapes: Record<string, IndexDefinitions<Record<string, unknown>>> = {
    one: { ix_a: { pattern: 'session:*', by: by('a') } },
    two: { ix_b: { pattern: 'session:*', by: by('b') }, ix_a: { pattern: 'session:*', by: by('a') } },
    three: {
      ix_c: { pattern: 'session:*', by: by('c') },
      ix_a: { pattern: 'session:*', by: by('a') },
      ix_b: { pattern: 'session:*', by: by('b') },
    },
    all: { ix_a: { pattern: '*', by: by('a') }, ix_b: { pattern: '*', by: by('b') } },
    mixed: { ix_a: { pattern: 'session:*', by: by('a') }, ix_b: { pattern: 'session:1*', by: by('b') } },
  };
  const keyArb = fc.constantFrom('session:1', 'session:2', 'other:1');
  const indexKey = fc.constantFrom('x', 'y', 'z');
  const field = fc.oneof(
    indexKey,
    fc.constantFrom(null, undefined, '', 'a\uD800', 5, 'throw'),
    fc.array(indexKey, { maxLength: 3 }),
    fc.constantFrom([null], [5], [''], [{}], ['x', 7]),
  );
  const valueArb = fc.record({ a: field, b: field, c: field });
  const outcome = (f: () => readonly string[]) => {
    try {
      return { pairs: [...f()] };
    } catch (e) {
      return { error: isCacheError(e) ? `${e.code}: ${e.message}` : String(e) };
    }
  };

  for (const [shape, defs] of Object.entries(shapes)) {
    it(`${shape}: same result as derive, prev only when unchanged, each by once`, () => {
      const p = new IndexPlan<Record<string, unknown>>('t', defs, 'test');
      fc.assert(
        fc.property(keyArb, valueArb, valueArb, fc.boolean(), fc.boolean(), (key, before, after, extra, copy) => {
          // prev as a store keeps it: what the previous value derived (if valid), maybe with a
          // membership of another index after it, maybe as equal strings in another array.
          let prev: string[] | undefined;
          try {
            prev = p.derive(key, before, 'test');
          } catch {
            prev = undefined;
          }
          if (prev !== undefined && extra) prev.push('manual', 'm');
          if (prev !== undefined && copy) prev = prev.map((s) => `${s}`);
          if (prev !== undefined && prev.length === 0) prev = undefined;
          const want = outcome(() => p.derive(key, after, 'write'));
          calls = 0;
          let result: readonly string[] | undefined;
          const got = outcome(() => {
            result = p.deriveFrom(key, after, prev);
            return result;
          });
          // The indexes whose pattern covers the key ('prefix*' patterns only here).
          const covering = Object.values(defs).filter((d) => key.startsWith(d.pattern.slice(0, -1))).length;
          expect(got).toEqual(want);
          if ('error' in want) {
            expect(calls).toBeLessThanOrEqual(covering);
            return;
          }
          expect(calls).toBe(covering);
          const unchanged =
            prev !== undefined && prev.length === want.pairs.length && prev.every((s, i) => s === want.pairs[i]);
          if (unchanged) expect(result).toBe(prev);
          else expect(result).not.toBe(prev);
        }),
        { numRuns: 2000 },
      );
    });
  }

  it('an error from by names the index and keeps the cause, from the unchanged-write check too', () => {
    const p = new IndexPlan<Record<string, unknown>>('t', shapes.two!, 'test');
    const prev = p.derive('session:1', { a: 'x', b: 'y' }, 'test');
    for (const v of [
      { a: 'throw', b: 'y' },
      { a: 'x', b: 'throw' },
    ]) {
      let err: unknown;
      try {
        p.deriveFrom('session:1', v, prev);
      } catch (e) {
        err = e;
      }
      expect(err).toSatisfy(invalid);
      expect((err as Error).message).toMatch(v.a === 'throw' ? /index "ix_a": by threw/ : /index "ix_b": by threw/);
      expect((err as Error & { cause?: Error }).cause?.message).toBe('boom');
    }
  });

  it('a one-element array of junk is refused even when prev has a pair at that place', () => {
    const p = new IndexPlan<Record<string, unknown>>('t', shapes.two!, 'test');
    const prev = p.derive('session:1', { a: 'x', b: 'y' }, 'test');
    for (const junk of [[null], [undefined], [5], ['']]) {
      expect(() => p.deriveFrom('session:1', { a: junk, b: 'y' }, prev)).toThrow(expect.toSatisfy(invalid));
      expect(() => p.deriveFrom('session:1', { a: 'x', b: junk }, prev)).toThrow(expect.toSatisfy(invalid));
    }
  });

  it('re-derives the same object after its index keys changed in place', () => {
    const p = new IndexPlan<Record<string, unknown>>('t', shapes.two!, 'test');
    const v: Record<string, unknown> = { a: 'x', b: ['y'] };
    const prev = p.derive('session:1', v, 'test');
    expect(p.deriveFrom('session:1', v, prev)).toBe(prev);
    (v.b as string[])[0] = 'z';
    expect(p.deriveFrom('session:1', v, prev)).toEqual(['ix_a', 'x', 'ix_b', 'z']);
    v.a = 'w';
    (v.b as string[])[0] = 'y';
    expect(p.deriveFrom('session:1', v, prev)).toEqual(['ix_a', 'w', 'ix_b', 'y']);
  });
});
