import type { CacheOp } from './middleware.js';
import type { EvictReason } from './types.js';

/** Labels attached to a measurement. */
export interface MetricLabels {
  /** The cache's name. */
  cache: string;
}

/** Outcome of an operation, as recorded. */
export type OperationStatus = 'ok' | 'error';

/** Severity of a security event. */
export type SecuritySeverity = 'info' | 'low' | 'medium' | 'high' | 'critical';

/** Latency percentiles in milliseconds. */
export interface LatencyPercentiles {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
}

/** A cache that a metrics sink may observe for gauges such as the entry count. */
export interface ObservedCache {
  readonly name: string;
  /** Current entry count, where the provider can tell cheaply. */
  entryCount(): Promise<number | undefined>;
}

/**
 * Where gocache reports what it does. Core calls it only when one is attached, so an unmetered
 * cache pays nothing. `createInProcessMetrics()` is the built-in sink; the Prometheus and
 * OpenTelemetry packages implement the same interface.
 */
export interface CacheMetrics {
  recordHit(labels?: MetricLabels): void;
  recordMiss(labels?: MetricLabels): void;
  recordOperation(
    op: CacheOp | (string & {}),
    status: OperationStatus,
    durationMs: number,
    labels?: MetricLabels,
  ): void;
  recordSecurityEvent(type: string, severity: SecuritySeverity, metadata?: Record<string, unknown>): void;
  recordTimingProtection(op: string, actualMs: number, adjustedMs: number, labels?: MetricLabels): void;
  /** Percentiles of recorded durations for `op`, or `undefined` when none were recorded. */
  getOperationLatencyPercentiles(op: string): LatencyPercentiles | undefined;
  /** An entry left the cache for `reason`. */
  recordEviction?(reason: EvictReason, labels?: MetricLabels): void;
  /** Start observing a cache (entry-count gauges); returns a function that stops it. */
  observeCache?(cache: ObservedCache): () => void;
}
