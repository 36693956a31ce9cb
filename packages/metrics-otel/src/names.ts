/** Instrument names (OpenTelemetry style: dot-separated, no unit or `_total` suffix). */
export const INSTRUMENTS = {
  duration: 'gocache.operation.duration',
  hits: 'gocache.hits',
  misses: 'gocache.misses',
  evictions: 'gocache.evictions',
  entries: 'gocache.entries',
  securityEvents: 'gocache.security.events',
  padding: 'gocache.timing_protection.padding',
} as const;

/** Attribute keys (namespaced under `gocache.` as the OpenTelemetry naming guidelines ask). */
export const ATTRIBUTES = {
  cache: 'gocache.cache.name',
  op: 'gocache.operation.name',
  status: 'gocache.operation.status',
  reason: 'gocache.eviction.reason',
  type: 'gocache.security.event.type',
  severity: 'gocache.security.event.severity',
} as const;

/**
 * Duration buckets in seconds (5 µs … 2.5 s), given as advice: in-process memory operations take
 * microseconds, which the SDK's default buckets (0 … 10,000, meant for milliseconds) cannot resolve.
 */
export const DURATION_BOUNDARIES: readonly number[] = [
  0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
  0.5, 1, 2.5,
];

/** Timing-protection padding buckets in seconds (50 µs … 1 s). */
export const PADDING_BOUNDARIES: readonly number[] = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
];
