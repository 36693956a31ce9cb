import { describe, expect, it } from 'vitest';
import { beladyHitRatio } from './belady.ts';
import { createRng } from './rng.ts';
import { zipfTrace } from './traces.ts';

/** The textbook O(n·capacity) MIN: on a miss with a full cache, scan for the farthest next use. */
function naiveBelady(ids: readonly number[], capacity: number): number {
  const cache = new Set<number>();
  const nextUse = (id: number, from: number) => {
    for (let j = from; j < ids.length; j++) if (ids[j] === id) return j;
    return Number.POSITIVE_INFINITY;
  };
  let hits = 0;
  ids.forEach((id, i) => {
    if (cache.has(id)) {
      hits++;
      return;
    }
    if (cache.size < capacity) {
      cache.add(id);
      return;
    }
    let victim = id;
    let far = nextUse(id, i + 1);
    for (const c of cache) {
      const u = nextUse(c, i + 1);
      if (u > far) {
        far = u;
        victim = c;
      }
    }
    if (victim !== id) {
      cache.delete(victim);
      cache.add(id);
    }
  });
  return hits / ids.length;
}

describe('beladyHitRatio', () => {
  it('matches a worked example', () => {
    // cap 2: 0 1 2(bypass) 0✓ 1✓ 3(evict 1) 0✓ 3✓ 1 2 → 4 hits of 10
    expect(beladyHitRatio(Int32Array.from([0, 1, 2, 0, 1, 3, 0, 3, 1, 2]), 4, 2)).toBe(0.4);
  });

  it('agrees with the naive algorithm on random traces', () => {
    const rng = createRng(7);
    for (let t = 0; t < 200; t++) {
      const idSpace = 2 + Math.floor(rng() * 30);
      const ids = Array.from({ length: 1 + Math.floor(rng() * 300) }, () => Math.floor(rng() * idSpace));
      const capacity = 1 + Math.floor(rng() * 10);
      expect(beladyHitRatio(Int32Array.from(ids), idSpace, capacity)).toBe(naiveBelady(ids, capacity));
    }
  });

  it('is an upper bound for LRU and reaches 1 − cold misses when everything fits', () => {
    const trace = zipfTrace(500, 1, 20_000, 3);
    const distinct = new Set(trace.ids).size;
    expect(beladyHitRatio(trace.ids, trace.idSpace, 500)).toBe(1 - distinct / trace.ids.length);
  });
});
