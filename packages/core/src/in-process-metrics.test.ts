import { describe, expect, it } from 'vitest';
import { createInProcessMetrics } from './in-process-metrics.js';

describe('createInProcessMetrics', () => {
  it('counts hits, misses, operations, evictions, security events and padding', async () => {
    const m = createInProcessMetrics();
    m.recordHit();
    m.recordHit();
    m.recordMiss();
    for (let i = 1; i <= 100; i++) m.recordOperation('get', 'ok', i / 100);
    m.recordOperation('get', 'error', 5);
    m.recordEviction?.('expired');
    m.recordSecurityEvent('access_denied', 'high', { cache: 'c' });
    m.recordTimingProtection('get', 1, 5);
    const stop = m.observeCache?.({ name: 'c', entryCount: async () => 42 });
    expect(await m.entryCounts()).toEqual({ c: 42 });
    stop?.();
    expect(await m.entryCounts()).toEqual({});
    const s = m.snapshot();
    expect(s).toMatchObject({
      hits: 2,
      misses: 1,
      evictions: { expired: 1 },
      securityEvents: { access_denied: 1 },
      timingProtection: { count: 1, paddingMs: 4 },
    });
    expect(s.hitRatio).toBeCloseTo(2 / 3);
    expect(s.operations.get).toMatchObject({ ok: 100, error: 1 });
    const p = m.getOperationLatencyPercentiles('get')!;
    expect(p.p50).toBeGreaterThan(0.45);
    expect(p.p50).toBeLessThan(0.56);
    expect(p.p99).toBeGreaterThanOrEqual(p.p90);
    expect(p.p999).toBeGreaterThanOrEqual(p.p99);
    expect(m.getOperationLatencyPercentiles('set')).toBeUndefined();
    m.reset();
    expect(m.snapshot().hits).toBe(0);
  });
});
