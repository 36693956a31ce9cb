import type { Cache, OpOptions } from '@gocache/core';
import type { IndexPlan } from './index-plan.js';

/**
 * Stream the keys the plan's indexes cover, in batches: one scan per distinct pattern, a key seen
 * by an earlier pattern skipped, so memory stays at one batch whatever the key space.
 */
export async function* coveredKeyBatches<T>(
  cache: Cache<T>,
  plan: IndexPlan<T>,
  batchSize: number,
  opts: OpOptions | undefined,
): AsyncGenerator<string[]> {
  const globs = [...new Map(plan.indexes.map((i) => [i.glob.source, i.glob])).values()];
  for (let g = 0; g < globs.length; g++) {
    let batch: string[] = [];
    for await (const key of cache.scanKeys(globs[g]!.source, opts)) {
      let seen = false;
      for (let e = 0; e < g && !seen; e++) seen = globs[e]!.test(key);
      if (seen) continue;
      batch.push(key);
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }
}

/** Check a batch size option. */
export function batchSizeOf(v: number | undefined, fail: (m: string) => Error): number {
  const n = v ?? 500;
  if (!Number.isSafeInteger(n) || n < 1) throw fail(`batchSize must be a whole number ≥ 1, got ${String(v)}`);
  return n;
}
