import {
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
import { type Attributes, type Meter, metrics as otelApi } from '@opentelemetry/api';
import { ATTRIBUTES as A, DURATION_BOUNDARIES, INSTRUMENTS as I, PADDING_BOUNDARIES } from './names.js';

/** Options of {@link otelMetrics}. */
export interface OtelMetricsOptions {
  /**
   * The meter to create instruments on.
   * @default metrics.getMeter('@gocache/metrics-otel') from the global MeterProvider
   */
  meter?: Meter | undefined;
  /**
   * Keep in-process latency histograms so `getOperationLatencyPercentiles` answers (core's
   * `perf_hooks` histograms; an OpenTelemetry histogram cannot be read back in-process).
   * @default true
   */
  percentiles?: boolean | undefined;
}

/**
 * A `CacheMetrics` on the OpenTelemetry metrics API. Only `@opentelemetry/api` is needed at run
 * time; the application installs an SDK (or nothing: then every instrument is a no-op).
 *
 * Instruments: `gocache.operation.duration` (histogram, `s`; its count is the operation count),
 * `gocache.hits`, `gocache.misses` (counters), `gocache.evictions` (counter, by reason),
 * `gocache.entries` (observable up-down counter), `gocache.security.events` (counter, by type
 * and severity), `gocache.timing_protection.padding` (histogram, `s`).
 *
 * @example
 * createCache(memoryProvider(), { name: 'sessions', metrics: otelMetrics() });
 */
export function otelMetrics(options: OtelMetricsOptions = {}): CacheMetrics {
  const meter = options.meter ?? otelApi.getMeter('@gocache/metrics-otel');
  const percentiles = options.percentiles === false ? undefined : createInProcessMetrics();
  const duration = meter.createHistogram(I.duration, {
    description: 'Duration of cache operations, including middleware and hooks.',
    unit: 's',
    advice: { explicitBucketBoundaries: [...DURATION_BOUNDARIES] },
  });
  const hits = meter.createCounter(I.hits, { description: 'Cache reads that found a value.', unit: '{hit}' });
  const misses = meter.createCounter(I.misses, { description: 'Cache reads that found nothing.', unit: '{miss}' });
  const evictions = meter.createCounter(I.evictions, {
    description: 'Entries that left the cache, by reason (expired, evicted, deleted, cleared).',
    unit: '{entry}',
  });
  const security = meter.createCounter(I.securityEvents, {
    description: 'Security events (access_denied, rate_limited, secure_cleanup, ...) by type and severity.',
    unit: '{event}',
  });
  const padding = meter.createHistogram(I.padding, {
    description: 'Time timing protection added to reach the minimum processing time.',
    unit: 's',
    advice: { explicitBucketBoundaries: [...PADDING_BOUNDARIES] },
  });
  const observed = new Set<ObservedCache>();
  meter
    .createObservableUpDownCounter(I.entries, {
      description: 'Entries currently in the cache, where the provider can tell cheaply.',
      unit: '{entry}',
    })
    .addCallback(async (result) => {
      for (const c of observed) {
        try {
          const n = await c.entryCount();
          if (n !== undefined) result.observe(n, { [A.cache]: c.name });
        } catch {
          // A cache that cannot count right now is left out of this collection.
        }
      }
    });

  // Attribute objects are reused per (cache, op, status): recording must not allocate.
  const opAttrs = new Map<string, Map<string, Attributes[]>>();
  const cacheAttrs = new Map<string, Attributes>();
  const forCache = (cache: string) => {
    let a = cacheAttrs.get(cache);
    if (a === undefined) cacheAttrs.set(cache, (a = { [A.cache]: cache }));
    return a;
  };
  const forOp = (cache: string, op: string, status: OperationStatus) => {
    let byOp = opAttrs.get(cache);
    if (byOp === undefined) opAttrs.set(cache, (byOp = new Map()));
    let pair = byOp.get(op);
    if (pair === undefined) {
      pair = (['ok', 'error'] as const).map((s) => ({ [A.cache]: cache, [A.op]: op, [A.status]: s }));
      byOp.set(op, pair);
    }
    return pair[status === 'ok' ? 0 : 1]!;
  };

  return {
    recordOperation(op: CacheOp | (string & {}), status: OperationStatus, durationMs: number, labels?: MetricLabels) {
      duration.record(durationMs / 1000, forOp(labels?.cache ?? '', op, status));
      percentiles?.recordOperation(op, status, durationMs);
    },
    recordHit(labels?: MetricLabels) {
      hits.add(1, forCache(labels?.cache ?? ''));
    },
    recordMiss(labels?: MetricLabels) {
      misses.add(1, forCache(labels?.cache ?? ''));
    },
    recordEviction(reason: EvictReason, labels?: MetricLabels) {
      evictions.add(1, { [A.cache]: labels?.cache ?? '', [A.reason]: reason });
    },
    recordSecurityEvent(type: string, severity: SecuritySeverity, metadata?: Record<string, unknown>) {
      const cache = typeof metadata?.cache === 'string' ? metadata.cache : '';
      security.add(1, { [A.cache]: cache, [A.type]: type, [A.severity]: severity });
    },
    recordTimingProtection(op: string, actualMs: number, adjustedMs: number, labels?: MetricLabels) {
      padding.record(Math.max(0, adjustedMs - actualMs) / 1000, { [A.cache]: labels?.cache ?? '', [A.op]: op });
    },
    getOperationLatencyPercentiles(op: string): LatencyPercentiles | undefined {
      return percentiles?.getOperationLatencyPercentiles(op);
    },
    observeCache(cache: ObservedCache) {
      observed.add(cache);
      return () => {
        observed.delete(cache);
      };
    },
  };
}
