import {
  CacheError,
  type CacheMetrics,
  type CacheOp,
  type EvictReason,
  type LatencyPercentiles,
  type MetricLabels,
  type ObservedCache,
  type OperationStatus,
  type SecuritySeverity,
} from '@gocache/core';
import { type Registry, register } from 'prom-client';
import { bucketQuantile } from './hot-state.js';
import { instrumentsFor } from './instruments.js';

/** Options of {@link prometheusMetrics}. */
export interface PrometheusMetricsOptions {
  /**
   * The prom-client registry to register on.
   * @default prom-client's global `register`
   */
  registry?: Registry | undefined;
  /**
   * Prefix of every metric name.
   * @default 'gocache_'
   */
  prefix?: string | undefined;
}

/** A `CacheMetrics` that records into prom-client; `registry.metrics()` is the scrape output. */
export interface PrometheusMetrics extends CacheMetrics {
  readonly registry: Registry;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/**
 * Record gocache metrics into a prom-client registry: operation counts and durations (labels
 * `cache`, `op`, `status`), hits, misses, evictions by reason, the entries gauge, security events
 * by type and severity, and timing-protection padding. Pass it as `metrics` to `createCache` or
 * `createManager`.
 *
 * @example
 * const metrics = prometheusMetrics({ registry: new Registry() });
 * const cache = createCache(memoryProvider(), { name: 'sessions', metrics });
 */
export function prometheusMetrics(options: PrometheusMetricsOptions = {}): PrometheusMetrics {
  const registry = options.registry ?? register;
  const prefix = options.prefix ?? 'gocache_';
  if (prefix !== '' && !NAME.test(prefix)) {
    throw new CacheError(
      'INVALID_ARGUMENT',
      `prefix "${prefix}" is not a valid Prometheus metric name prefix; use letters, digits, _ and :, e.g. 'myapp_cache_'`,
      { cacheName: '?', op: 'prometheusMetrics' },
    );
  }
  const m = instrumentsFor(registry, prefix);
  const hot = m.hot;

  return {
    registry,
    recordOperation(op: CacheOp | (string & {}), status: OperationStatus, durationMs: number, labels?: MetricLabels) {
      hot.recordOperation(labels?.cache ?? '', op, status, durationMs / 1000);
    },
    recordHit(labels?: MetricLabels) {
      hot.read(labels?.cache ?? '').hits++;
    },
    recordMiss(labels?: MetricLabels) {
      hot.read(labels?.cache ?? '').misses++;
    },
    recordEviction(reason: EvictReason, labels?: MetricLabels) {
      m.evictions.inc({ cache: labels?.cache ?? '', reason });
    },
    recordSecurityEvent(type: string, severity: SecuritySeverity, metadata?: Record<string, unknown>) {
      const cache = typeof metadata?.cache === 'string' ? metadata.cache : '';
      m.security.inc({ cache, type, severity });
    },
    recordTimingProtection(op: string, actualMs: number, adjustedMs: number, labels?: MetricLabels) {
      m.padding.observe({ cache: labels?.cache ?? '', op }, Math.max(0, adjustedMs - actualMs) / 1000);
    },
    getOperationLatencyPercentiles(op: string): LatencyPercentiles | undefined {
      // Estimated from the buckets of successful calls of every cache, as histogram_quantile would.
      const merged = new Float64Array(hot.bounds.length + 1);
      for (const byOp of hot.ops.values()) {
        const r = byOp.get(op);
        if (r !== undefined) for (let i = 0; i < merged.length; i++) merged[i]! += r.buckets[0][i]!;
      }
      const at = (q: number) => bucketQuantile(hot.bounds, merged, q);
      const p50 = at(0.5);
      if (p50 === undefined) return undefined;
      return { p50: p50 * 1000, p90: at(0.9)! * 1000, p99: at(0.99)! * 1000, p999: at(0.999)! * 1000 };
    },
    observeCache(cache: ObservedCache) {
      m.observed.add(cache);
      return () => {
        m.observed.delete(cache);
        m.entries.remove({ cache: cache.name });
      };
    },
  };
}
