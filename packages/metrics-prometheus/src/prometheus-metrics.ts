import {
  CacheError,
  type CacheMetrics,
  type CacheOp,
  createInProcessMetrics,
  type EvictReason,
  type LatencyPercentiles,
  type MetricLabels,
  type ObservedCache,
  type OperationStatus,
  type SecuritySeverity,
} from '@gocache/core';
import { type Counter, type Histogram, type Registry, register } from 'prom-client';
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
  /**
   * Keep in-process latency histograms so `getOperationLatencyPercentiles` answers (core's
   * `perf_hooks` histograms; Prometheus itself only has buckets). Turn off to save ~50 ns per op.
   * @default true
   */
  percentiles?: boolean | undefined;
}

/** A `CacheMetrics` that records into prom-client; `registry.metrics()` is the scrape output. */
export interface PrometheusMetrics extends CacheMetrics {
  readonly registry: Registry;
}

interface OpChildren {
  count: Counter.Internal;
  seconds: Histogram.Internal<'cache' | 'op' | 'status'>;
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
  const percentiles = options.percentiles === false ? undefined : createInProcessMetrics();
  // Labelled children are looked up once per (cache, op, status); prom-client hashes labels on every call otherwise.
  const children = new Map<string, Map<string, OpChildren[]>>();
  const hitChildren = new Map<string, Counter.Internal>();
  const missChildren = new Map<string, Counter.Internal>();

  const opChildren = (cache: string, op: string, status: OperationStatus): OpChildren => {
    let byOp = children.get(cache);
    if (byOp === undefined) children.set(cache, (byOp = new Map()));
    let pair = byOp.get(op);
    if (pair === undefined) {
      pair = (['ok', 'error'] as const).map((s) => ({
        count: m.operations.labels({ cache, op, status: s }),
        seconds: m.duration.labels({ cache, op, status: s }),
      }));
      byOp.set(op, pair);
    }
    return pair[status === 'ok' ? 0 : 1]!;
  };

  const child = (map: Map<string, Counter.Internal>, counter: Counter<'cache'>, cache: string) => {
    let c = map.get(cache);
    if (c === undefined) map.set(cache, (c = counter.labels({ cache })));
    return c;
  };

  return {
    registry,
    recordOperation(op: CacheOp | (string & {}), status: OperationStatus, durationMs: number, labels?: MetricLabels) {
      const ch = opChildren(labels?.cache ?? '', op, status);
      ch.count.inc();
      ch.seconds.observe(durationMs / 1000);
      percentiles?.recordOperation(op, status, durationMs);
    },
    recordHit(labels?: MetricLabels) {
      child(hitChildren, m.hits, labels?.cache ?? '').inc();
    },
    recordMiss(labels?: MetricLabels) {
      child(missChildren, m.misses, labels?.cache ?? '').inc();
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
      return percentiles?.getOperationLatencyPercentiles(op);
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
