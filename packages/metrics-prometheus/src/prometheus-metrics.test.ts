import { createCache } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';
import { Registry } from 'prom-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { runWorkload, type Sample } from '../test/workload.js';
import { DURATION_BUCKETS } from './buckets.js';
import { prometheusMetrics } from './prometheus-metrics.js';

describe('prometheusMetrics: a scrape after a workload', () => {
  let samples: Sample[];
  let text: string;
  beforeAll(async () => {
    ({ samples, text } = await runWorkload());
  });
  const value = (name: string, labels: Record<string, string>) =>
    samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

  it('counts operations by cache, op and status', () => {
    expect(value('gocache_operations_total', { cache: 'sessions', op: 'get', status: 'ok' })).toBe(4);
    expect(value('gocache_operations_total', { cache: 'sessions', op: 'get', status: 'error' })).toBe(1);
    expect(value('gocache_operations_total', { cache: 'sessions', op: 'set', status: 'ok' })).toBe(5);
    expect(value('gocache_operations_total', { cache: 'sessions', op: 'delete', status: 'ok' })).toBe(1);
    expect(text).toMatch(/# TYPE gocache_operations_total counter/);
  });

  it('records durations in seconds with sub-millisecond buckets', () => {
    const count = value('gocache_operation_duration_seconds_count', { cache: 'sessions', op: 'get', status: 'ok' });
    expect(count).toBe(4);
    const les = samples
      .filter(
        (s) =>
          s.name === 'gocache_operation_duration_seconds_bucket' && s.labels.op === 'get' && s.labels.status === 'ok',
      )
      .map((s) => s.labels.le);
    expect(les).toEqual([...DURATION_BUCKETS.map(String), '+Inf']);
    const sum = value('gocache_operation_duration_seconds_sum', { cache: 'sessions', op: 'get', status: 'ok' })!;
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(1); // seconds, not milliseconds
    // A memory get lands in a sub-millisecond bucket.
    expect(
      value('gocache_operation_duration_seconds_bucket', { op: 'get', status: 'ok', le: '0.001' }),
    ).toBeGreaterThan(0);
  });

  it('counts hits, misses and evictions by reason', () => {
    expect(value('gocache_hits_total', { cache: 'sessions' })).toBe(2);
    expect(value('gocache_misses_total', { cache: 'sessions' })).toBe(2);
    expect(value('gocache_evictions_total', { cache: 'sessions', reason: 'expired' })).toBe(1);
    expect(value('gocache_evictions_total', { cache: 'sessions', reason: 'evicted' })).toBe(1);
    expect(value('gocache_evictions_total', { cache: 'sessions', reason: 'deleted' })).toBe(1);
  });

  it('reports the entries gauge at scrape time', () => {
    expect(value('gocache_entries', { cache: 'sessions' })).toBe(2);
    expect(text).toMatch(/# TYPE gocache_entries gauge/);
  });

  it('counts security events by type and severity, and timing-protection padding', () => {
    const sec = samples.filter((s) => s.name === 'gocache_security_events_total');
    expect(sec).toHaveLength(1);
    expect(sec[0]!.labels).toMatchObject({ cache: 'sessions', severity: expect.any(String), type: expect.any(String) });
    expect(sec[0]!.value).toBe(1);
    expect(value('gocache_timing_protection_padding_seconds_count', { cache: 'sessions', op: 'get' })).toBe(1);
    expect(value('gocache_timing_protection_padding_seconds_sum', { cache: 'sessions', op: 'get' })).toBeCloseTo(
      0.0048,
      6,
    );
  });
});

describe('prometheusMetrics: options', () => {
  it('uses a prefix, shares instruments per registry, and stops observing closed caches', async () => {
    const registry = new Registry();
    const a = prometheusMetrics({ registry, prefix: 'app_cache_' });
    const b = prometheusMetrics({ registry, prefix: 'app_cache_' }); // no duplicate-name error
    const c1 = createCache<number>(memoryProvider(), { name: 'one', metrics: a });
    const c2 = createCache<number>(memoryProvider(), { name: 'two', metrics: b });
    await c1.set('k', 1);
    await c2.get('k');
    let text = await registry.metrics();
    expect(text).toContain('app_cache_operations_total{cache="one",op="set",status="ok"} 1');
    expect(text).toContain('app_cache_misses_total{cache="two"} 1');
    expect(text).toContain('app_cache_entries{cache="one"} 1');
    await c1.close();
    text = await registry.metrics();
    expect(text).not.toContain('app_cache_entries{cache="one"}');
    expect(text).toContain('app_cache_entries{cache="two"} 0');
    await c2.close();
  });

  it('estimates latency percentiles from the buckets, like histogram_quantile', () => {
    const m = prometheusMetrics({ registry: new Registry() });
    expect(m.getOperationLatencyPercentiles('get')).toBeUndefined();
    // 100 calls of 0.5–1.4 ms and one of 80 ms, across two caches.
    for (let i = 0; i < 100; i++) m.recordOperation('get', 'ok', 0.5 + (i % 10) / 10, { cache: i % 2 ? 'a' : 'b' });
    m.recordOperation('get', 'ok', 80, { cache: 'a' });
    m.recordOperation('get', 'error', 5000, { cache: 'a' }); // failures do not count
    const p = m.getOperationLatencyPercentiles('get')!;
    expect(p.p50).toBeGreaterThan(0.5);
    expect(p.p50).toBeLessThanOrEqual(1);
    expect(p.p90).toBeLessThanOrEqual(2.5);
    expect(p.p999).toBeGreaterThan(50);
    expect(p.p999).toBeLessThanOrEqual(100);
  });

  it('rejects an invalid prefix', () => {
    expect(() => prometheusMetrics({ registry: new Registry(), prefix: 'bad-prefix' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});
