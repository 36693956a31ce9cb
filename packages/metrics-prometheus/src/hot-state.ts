import type { OperationStatus } from '@gocache/core';

/** Counts, sums and bucket counts of one (cache, op) pair; index 0 is `ok`, 1 is `error`. */
export interface OpRecord {
  readonly cache: string;
  readonly op: string;
  readonly count: [number, number];
  readonly sum: [number, number];
  /** Per-bucket (not cumulative) counts; the last slot is `+Inf`. */
  readonly buckets: [Float64Array, Float64Array];
}

/** Hits and misses of one cache. */
export interface ReadRecord {
  hits: number;
  misses: number;
}

/**
 * The per-operation state behind the hot metrics (operations, durations, hits, misses), kept in
 * plain numbers and typed arrays. prom-client's own `inc()`/`observe()` validate and hash their
 * labels on every call (~0.1–0.6 µs); this costs two Map lookups and a short bucket scan, and is
 * turned into exposition text only when scraped.
 */
export class HotState {
  readonly bounds: Float64Array;
  readonly ops = new Map<string, Map<string, OpRecord>>();
  readonly reads = new Map<string, ReadRecord>();

  constructor(bounds: readonly number[]) {
    this.bounds = Float64Array.from(bounds);
  }

  recordOperation(cache: string, op: string, status: OperationStatus, seconds: number): void {
    let byOp = this.ops.get(cache);
    if (byOp === undefined) this.ops.set(cache, (byOp = new Map()));
    let r = byOp.get(op);
    if (r === undefined) {
      const n = this.bounds.length + 1;
      r = { cache, op, count: [0, 0], sum: [0, 0], buckets: [new Float64Array(n), new Float64Array(n)] };
      byOp.set(op, r);
    }
    const s = status === 'ok' ? 0 : 1;
    r.count[s]++;
    r.sum[s] += seconds;
    const b = this.bounds;
    let i = 0;
    while (i < b.length && seconds > b[i]!) i++;
    r.buckets[s][i]!++;
  }

  read(cache: string): ReadRecord {
    let r = this.reads.get(cache);
    if (r === undefined) this.reads.set(cache, (r = { hits: 0, misses: 0 }));
    return r;
  }

  reset(): void {
    this.ops.clear();
    this.reads.clear();
  }
}

/**
 * Estimate the `q` quantile (0–1) from per-bucket counts the way PromQL's `histogram_quantile`
 * does: linear interpolation inside the bucket that holds the rank; `+Inf` answers the highest
 * finite bound. Returns seconds, or `undefined` for an empty histogram.
 */
export function bucketQuantile(bounds: Float64Array, counts: Float64Array, q: number): number | undefined {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  if (total === 0) return undefined;
  const rank = q * total;
  let cum = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (cum + c >= rank && c > 0) {
      if (i >= bounds.length) return bounds[bounds.length - 1]!;
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      return lower + (bounds[i]! - lower) * ((rank - cum) / c);
    }
    cum += c;
  }
  return bounds[bounds.length - 1]!;
}
