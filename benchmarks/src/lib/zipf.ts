import { createRng } from './rng.ts';

/**
 * A Zipf(s) sampler over ranks `0..n-1` (rank 0 most popular): P(rank k) ∝ 1/(k+1)^s. Built once
 * as a cumulative table and sampled by binary search, so drawing 1M ids costs ~20 comparisons each.
 * Ranks are then mapped through a seeded permutation so hot keys are not simply the smallest ids.
 */
export function createZipf(n: number, s: number, seed: number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) {
    sum += 1 / (k + 1) ** s;
    cdf[k] = sum;
  }
  for (let k = 0; k < n; k++) cdf[k] = (cdf[k] as number) / sum;
  const rng = createRng(seed);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = perm[i] as number;
    perm[i] = perm[j] as number;
    perm[j] = t;
  }
  return () => {
    const u = rng();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return perm[lo] as number;
  };
}

/** `length` key ids drawn from Zipf(s) over `n` keys: precomputed outside any timed loop. */
export function zipfSequence(n: number, s: number, length: number, seed: number): Int32Array {
  const next = createZipf(n, s, seed);
  const out = new Int32Array(length);
  for (let i = 0; i < length; i++) out[i] = next();
  return out;
}
