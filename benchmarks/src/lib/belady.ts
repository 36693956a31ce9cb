/**
 * Belady's optimal (MIN) hit ratio for a cache of `capacity` entries on `ids`: on a miss with a
 * full cache, drop whichever of the cached keys and the new key is next used farthest in the future.
 * No online policy can beat it, so it is the ceiling the policies are compared against.
 *
 * O(n log n): next-use positions come from one backward pass; the cache's "farthest next use" is a
 * binary max-heap of (nextUse, id) with lazy deletion (an entry is stale once the id was hit again
 * or evicted, detected by comparing with the id's current next use).
 */
export function beladyHitRatio(ids: Int32Array, idSpace: number, capacity: number): number {
  const n = ids.length;
  const NEVER = n; // a next use past the end of the trace
  const nextUse = new Int32Array(n);
  const lastSeen = new Int32Array(idSpace).fill(NEVER);
  for (let i = n - 1; i >= 0; i--) {
    const id = ids[i] as number;
    nextUse[i] = lastSeen[id] as number;
    lastSeen[id] = i;
  }

  // current[id] = the next use of id while it is cached, -1 when it is not.
  const current = new Int32Array(idSpace).fill(-1);
  const heapUse = new Int32Array(n + 1);
  const heapId = new Int32Array(n + 1);
  let heapSize = 0;
  const push = (use: number, id: number): void => {
    let i = heapSize++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((heapUse[p] as number) >= use) break;
      heapUse[i] = heapUse[p] as number;
      heapId[i] = heapId[p] as number;
      i = p;
    }
    heapUse[i] = use;
    heapId[i] = id;
  };
  const pop = (): void => {
    const use = heapUse[--heapSize] as number;
    const id = heapId[heapSize] as number;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= heapSize) break;
      if (c + 1 < heapSize && (heapUse[c + 1] as number) > (heapUse[c] as number)) c++;
      if ((heapUse[c] as number) <= use) break;
      heapUse[i] = heapUse[c] as number;
      heapId[i] = heapId[c] as number;
      i = c;
    }
    heapUse[i] = use;
    heapId[i] = id;
  };
  // Drop stale tops so the top is the live entry with the farthest next use.
  const cleanTop = (): void => {
    while (heapSize > 0 && current[heapId[0] as number] !== heapUse[0]) pop();
  };

  let size = 0;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const id = ids[i] as number;
    const use = nextUse[i] as number;
    if ((current[id] as number) >= 0) {
      hits++;
      current[id] = use;
      push(use, id);
      continue;
    }
    if (use === NEVER) continue; // never requested again: caching it cannot help
    if (size < capacity) {
      size++;
    } else {
      cleanTop();
      if ((heapUse[0] as number) <= use) continue; // the newcomer is the farthest: bypass it
      current[heapId[0] as number] = -1;
      pop();
    }
    current[id] = use;
    push(use, id);
  }
  return hits / n;
}
