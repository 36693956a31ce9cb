import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import type {
  CacheMetrics,
  LatencyPercentiles,
  MetricLabels,
  ObservedCache,
  OperationStatus,
  SecuritySeverity,
} from './metrics.js';
import type { CacheOp } from './middleware.js';
import type { EvictReason } from './types.js';

/** Counts and latencies of one operation. */
export interface OperationStats {
  ok: number;
  error: number;
  latency: LatencyPercentiles;
}

/** A point-in-time copy of everything an in-process metrics sink has recorded. */
export interface MetricsSnapshot {
  hits: number;
  misses: number;
  /** hits / (hits + misses), or 0 when nothing was read. */
  hitRatio: number;
  operations: Record<string, OperationStats>;
  evictions: Partial<Record<EvictReason, number>>;
  securityEvents: Record<string, number>;
  timingProtection: { count: number; paddingMs: number };
}

/** The built-in `CacheMetrics`: counters plus perf_hooks histograms, no dependencies. */
export interface InProcessMetrics extends CacheMetrics {
  snapshot(): MetricsSnapshot;
  /** Entry counts of the caches being observed. */
  entryCounts(): Promise<Record<string, number | undefined>>;
  reset(): void;
}

interface OpRecord {
  ok: number;
  error: number;
  // Nanoseconds: perf_hooks histograms hold integers, and memory operations take well under 1 µs.
  hist: RecordableHistogram;
}

/** Create the in-process metrics sink (latency percentiles from Node's `perf_hooks` histograms). */
export function createInProcessMetrics(): InProcessMetrics {
  let hits = 0;
  let misses = 0;
  let ops = new Map<string, OpRecord>();
  let evictions: Partial<Record<EvictReason, number>> = {};
  let security: Record<string, number> = {};
  let timing = { count: 0, paddingMs: 0 };
  const observed = new Set<ObservedCache>();

  const pct = (h: RecordableHistogram): LatencyPercentiles => ({
    p50: h.percentile(50) / 1e6,
    p90: h.percentile(90) / 1e6,
    p99: h.percentile(99) / 1e6,
    p999: h.percentile(99.9) / 1e6,
  });

  return {
    recordHit(_labels?: MetricLabels) {
      hits++;
    },
    recordMiss(_labels?: MetricLabels) {
      misses++;
    },
    recordOperation(op: CacheOp | (string & {}), status: OperationStatus, durationMs: number) {
      let r = ops.get(op);
      if (r === undefined) {
        r = { ok: 0, error: 0, hist: createHistogram() };
        ops.set(op, r);
      }
      r[status]++;
      r.hist.record(Math.max(1, Math.round(durationMs * 1e6)));
    },
    recordSecurityEvent(type: string, _severity: SecuritySeverity) {
      security[type] = (security[type] ?? 0) + 1;
    },
    recordTimingProtection(_op: string, actualMs: number, adjustedMs: number) {
      timing.count++;
      timing.paddingMs += Math.max(0, adjustedMs - actualMs);
    },
    recordEviction(reason: EvictReason) {
      evictions[reason] = (evictions[reason] ?? 0) + 1;
    },
    observeCache(cache: ObservedCache) {
      observed.add(cache);
      return () => observed.delete(cache);
    },
    getOperationLatencyPercentiles(op: string) {
      const r = ops.get(op);
      return r === undefined ? undefined : pct(r.hist);
    },
    snapshot() {
      const operations: Record<string, OperationStats> = {};
      for (const [op, r] of ops) operations[op] = { ok: r.ok, error: r.error, latency: pct(r.hist) };
      const reads = hits + misses;
      return {
        hits,
        misses,
        hitRatio: reads === 0 ? 0 : hits / reads,
        operations,
        evictions: { ...evictions },
        securityEvents: { ...security },
        timingProtection: { ...timing },
      };
    },
    async entryCounts() {
      const out: Record<string, number | undefined> = {};
      for (const c of observed) out[c.name] = await c.entryCount();
      return out;
    },
    reset() {
      hits = 0;
      misses = 0;
      ops = new Map();
      evictions = {};
      security = {};
      timing = { count: 0, paddingMs: 0 };
    },
  };
}
