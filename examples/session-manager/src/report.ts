import type { InProcessMetrics } from '@gocache/core';

/** Print the operation counts and latency percentiles the in-process metrics recorded. */
export function printMetricsReport(metrics: InProcessMetrics): void {
  const snap = metrics.snapshot();
  // Memory operations take microseconds, queued or networked ones milliseconds: pick the readable unit.
  const us = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`);
  console.log(`  hits ${snap.hits}, misses ${snap.misses} (hit ratio ${(snap.hitRatio * 100).toFixed(1)}%)`);
  console.log(`  evictions: ${JSON.stringify(snap.evictions)}`);
  console.log('  op                 ok  error        p50        p90        p99');
  for (const [op, s] of Object.entries(snap.operations).sort()) {
    console.log(
      `  ${op.padEnd(15)} ${String(s.ok).padStart(5)} ${String(s.error).padStart(6)} ${us(s.latency.p50).padStart(10)} ${us(s.latency.p90).padStart(10)} ${us(s.latency.p99).padStart(10)}`,
    );
  }
}
