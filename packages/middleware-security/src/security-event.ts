import type { CacheMetrics, SecuritySeverity } from '@gocache/core';

/** Record a security event on the cache's metrics sink; a failing sink never fails the operation. */
export function recordSecurityEvent(
  metrics: CacheMetrics | undefined,
  cacheName: string,
  type: string,
  severity: SecuritySeverity,
  metadata: Record<string, unknown> = {},
): void {
  if (metrics === undefined) return;
  try {
    metrics.recordSecurityEvent(type, severity, { ...metadata, cache: cacheName });
  } catch {
    // Metrics are observability; losing one event is better than failing the caller's operation.
  }
}
