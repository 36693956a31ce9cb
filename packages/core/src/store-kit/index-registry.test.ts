import { describe, expect, it } from 'vitest';
import { seededRandom as createRng } from '../conformance/random.js';
import { IndexRegistry } from './index-registry.js';

const sorted = (xs: readonly number[] | undefined) => (xs === undefined ? undefined : [...xs].sort((a, b) => a - b));

/** A registry with slots 0..n-1 in the set ('ix', 'k'). */
function filled(n: number): IndexRegistry {
  const r = new IndexRegistry();
  for (let s = 0; s < n; s++) expect(r.add('ix', 'k', s)).toBe(true);
  return r;
}

describe('IndexRegistry: array-backed sets with swap-remove', () => {
  it('leaves from the middle: the last member takes the hole and still knows where it is', () => {
    const r = filled(5);
    r.remove('ix', 'k', 1);
    r.verify();
    expect(sorted(r.slots('ix', 'k'))).toEqual([0, 2, 3, 4]);
    // Slot 4 moved into the hole; it can still leave (its recorded position is right).
    r.remove('ix', 'k', 4);
    r.verify();
    expect(sorted(r.slots('ix', 'k'))).toEqual([0, 2, 3]);
    r.drop(0);
    r.verify();
    expect(sorted(r.slots('ix', 'k'))).toEqual([2, 3]);
    expect(r.has(0, 'ix', 'k')).toBe(false);
    expect(r.has(2, 'ix', 'k')).toBe(true);
  });

  it('leaves as the last member, and as the only one (the set and its name are freed)', () => {
    const r = filled(3);
    r.remove('ix', 'k', 2);
    r.verify();
    expect(sorted(r.slots('ix', 'k'))).toEqual([0, 1]);
    r.drop(1);
    r.drop(0);
    r.verify();
    expect(r.slots('ix', 'k')).toBeUndefined();
    expect(r.stats()).toEqual({ names: 0, sets: 0, memberships: 0, slotsWithMemberships: 0 });
  });

  it('keeps an entry in several sets, and drops it from all of them', () => {
    const r = new IndexRegistry();
    for (let s = 0; s < 4; s++) {
      r.add('tag', 'red', s);
      r.add('tag', `t${s}`, s);
      r.add('owner', s % 2 === 0 ? 'ann' : 'bob', s);
    }
    expect(r.add('tag', 'red', 2)).toBe(false);
    r.verify();
    expect(r.current(2)).toEqual(['tag', 'red', 'tag', 't2', 'owner', 'ann']);
    r.drop(0);
    r.verify();
    expect(sorted(r.slots('tag', 'red'))).toEqual([1, 2, 3]);
    expect(r.slots('tag', 't0')).toBeUndefined();
    expect(sorted(r.slots('owner', 'ann'))).toEqual([2]);
    r.remove('tag', 'red', 3);
    r.verify();
    expect(r.current(3)).toEqual(['tag', 't3', 'owner', 'bob']);
    expect(r.stats()).toEqual({ names: 2, sets: 6, memberships: 8, slotsWithMemberships: 3 });
  });

  it('reuses a dropped slot with no trace of its old memberships', () => {
    const r = filled(4);
    r.add('other', 'x', 1);
    r.drop(1);
    expect(r.current(1)).toBeUndefined();
    expect(r.add('ix', 'j', 1)).toBe(true);
    r.verify();
    expect(r.current(1)).toEqual(['ix', 'j']);
    expect(sorted(r.slots('ix', 'k'))).toEqual([0, 2, 3]);
    expect(r.slots('other', 'x')).toBeUndefined();
    expect(r.memberships(1)).toEqual([{ indexName: 'ix', indexKey: 'j' }]);
  });

  it('moves an entry between sets in place, and frees a set a move empties', () => {
    const r = new IndexRegistry();
    const names = new Set(['role', 'user']);
    for (let s = 0; s < 6; s++) r.replace(s, names, ['role', 'user', 'user', `u${s % 3}`], false);
    r.verify();
    const before = r.current(4);
    const joined: string[] = [];
    r.replace(4, names, ['role', 'user', 'user', 'u9'], true, joined);
    r.verify();
    expect(joined).toEqual(['user', 'u9']);
    // The usual move rewrites the kept list: what a store hands back to `deriveFrom` stays the same array.
    expect(r.current(4)).toBe(before);
    expect(r.current(4)).toEqual(['role', 'user', 'user', 'u9']);
    expect(sorted(r.slots('user', 'u1'))).toEqual([1]);
    r.replace(1, names, ['role', 'user', 'user', 'u9'], false);
    r.verify();
    expect(r.slots('user', 'u1')).toBeUndefined();
    expect(sorted(r.slots('user', 'u9'))).toEqual([1, 4]);
    expect(sorted(r.slots('role', 'user'))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('keeps memberships of other indexes across a replace, after the derived ones', () => {
    const r = new IndexRegistry();
    const names = new Set(['d']);
    r.add('manual', 'm', 0);
    r.replace(0, names, ['d', 'a', 'd', 'b'], false);
    r.verify();
    expect(r.current(0)).toEqual(['d', 'a', 'd', 'b', 'manual', 'm']);
    expect(r.holds(0, names, ['d', 'a', 'd', 'b'])).toBe(true);
    // A pair that only changed position is kept, not left and joined again.
    const joined: string[] = [];
    r.replace(0, names, ['d', 'b', 'd', 'c'], false, joined);
    r.verify();
    expect(joined).toEqual(['d', 'c']);
    expect(r.current(0)).toEqual(['d', 'b', 'd', 'c', 'manual', 'm']);
    r.replace(0, names, [], false);
    r.verify();
    expect(r.current(0)).toEqual(['manual', 'm']);
    expect(r.stats()).toEqual({ names: 1, sets: 1, memberships: 1, slotsWithMemberships: 1 });
  });

  // A naive model: per slot an ordered list of pairs, sets derived from it.
  it.each([1, 2, 3])('matches a naive Map<string, Set> model over thousands of random operations (seed %i)', (seed) => {
    const rnd = createRng(seed * 7919);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const SLOTS = 40;
    const NAMES = ['a', 'b', 'c'];
    const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'];
    const r = new IndexRegistry();
    const model = new Map<number, [string, string][]>();
    const list = (s: number) => model.get(s) ?? [];
    const setsOf = () => {
      const sets = new Map<string, Set<number>>();
      for (const [s, pairs] of model) {
        for (const [n, k] of pairs) {
          const id = `${n}\u0000${k}`;
          if (!sets.has(id)) sets.set(id, new Set());
          sets.get(id)!.add(s);
        }
      }
      return sets;
    };
    const randomPairs = (names: readonly string[], current: readonly [string, string][]): string[] => {
      // Often a move of the current derived pairs (one key changed), else a random sorted set.
      const derived = current.filter(([n]) => names.includes(n));
      if (derived.length > 0 && rnd() < 0.5) {
        const out = derived.map(([n, k]) => [n, k] as [string, string]);
        const i = Math.floor(rnd() * out.length);
        const k = pick(KEYS);
        if (!out.some(([n, kk]) => n === out[i]![0] && kk === k)) out[i]![1] = k;
        return out.flat();
      }
      const ids = new Set<string>();
      const n = Math.floor(rnd() * 4);
      for (let i = 0; i < n; i++) ids.add(`${pick(names)}\u0000${pick(KEYS)}`);
      const pairs = [...ids].map((id) => id.split('\u0000') as [string, string]);
      if (rnd() < 0.8) pairs.sort((x, y) => (x.join() < y.join() ? -1 : 1));
      return pairs.flat();
    };
    for (let op = 0; op < 4000; op++) {
      const slot = Math.floor(rnd() * SLOTS);
      const cur = list(slot);
      const u = rnd();
      if (u < 0.25) {
        const [n, k] = [pick(NAMES), pick(KEYS)];
        const had = cur.some(([a, b]) => a === n && b === k);
        expect(r.add(n, k, slot)).toBe(!had);
        if (!had) model.set(slot, [...cur, [n, k]]);
      } else if (u < 0.4) {
        const [n, k] = rnd() < 0.7 && cur.length > 0 ? pick(cur) : [pick(NAMES), pick(KEYS)];
        r.remove(n, k, slot);
        const rest = cur.filter(([a, b]) => !(a === n && b === k));
        if (rest.length === 0) model.delete(slot);
        else model.set(slot, rest);
      } else if (u < 0.5) {
        r.drop(slot);
        model.delete(slot);
      } else {
        const names = rnd() < 0.7 ? ['a', 'b'] : NAMES;
        const nameSet = new Set(names);
        const pairs = randomPairs(names, cur);
        const asPairs: [string, string][] = [];
        for (let i = 0; i < pairs.length; i += 2) asPairs.push([pairs[i]!, pairs[i + 1]!]);
        const inPairs = (n: string, k: string) => asPairs.some(([a, b]) => a === n && b === k);
        const wantJoined = asPairs.filter(([n, k]) => !cur.some(([a, b]) => a === n && b === k)).flat();
        const next = [...asPairs, ...cur.filter(([n, k]) => !nameSet.has(n) && !inPairs(n, k))];
        const joined: string[] = [];
        const owned = rnd() < 0.5;
        if (r.holds(slot, nameSet, pairs)) {
          expect(cur.slice(0, asPairs.length)).toEqual(asPairs);
        } else {
          r.replace(slot, nameSet, owned ? pairs : pairs.slice(), owned, joined);
          expect(joined).toEqual(wantJoined);
        }
        if (next.length === 0) model.delete(slot);
        else model.set(slot, next);
      }
      // The slot just touched, as kept.
      const want = model.get(slot);
      expect(r.current(slot)).toEqual(want?.flat());
      if (op % 50 === 0 || op === 3999) {
        r.verify();
        const sets = setsOf();
        for (const n of NAMES) {
          for (const k of KEYS) {
            const s = sets.get(`${n}\u0000${k}`);
            expect(sorted(r.slots(n, k))).toEqual(s === undefined ? undefined : [...s].sort((a, b) => a - b));
          }
        }
        for (let s = 0; s < SLOTS; s++) {
          expect(r.current(s)).toEqual(model.get(s)?.flat());
          for (const n of NAMES)
            for (const k of KEYS) expect(r.has(s, n, k)).toBe(sets.get(`${n}\u0000${k}`)?.has(s) ?? false);
        }
        let memberships = 0;
        for (const pairs of model.values()) memberships += pairs.length;
        expect(r.stats()).toEqual({
          names: new Set([...sets.keys()].map((id) => id.split('\u0000')[0])).size,
          sets: sets.size,
          memberships,
          slotsWithMemberships: model.size,
        });
      }
    }
    for (let s = 0; s < SLOTS; s++) r.drop(s);
    r.verify();
    expect(r.stats()).toEqual({ names: 0, sets: 0, memberships: 0, slotsWithMemberships: 0 });
  });
});
