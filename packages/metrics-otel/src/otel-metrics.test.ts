import { createCache } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTRIBUTES as A, DURATION_BOUNDARIES, INSTRUMENTS as I } from './names.js';
import { otelMetrics } from './otel-metrics.js';

describe('otelMetrics through the SDK in-memory exporter', () => {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const metrics = otelMetrics({ meter: provider.getMeter('test') });
  let byName: Map<string, MetricData>;

  beforeAll(async () => {
    let now = 1_000_000;
    const cache = createCache<string>(memoryProvider(), {
      name: 'sessions',
      metrics,
      maxEntries: 3,
      clock: { now: () => now },
      hooks: {
        preGet: ({ key }) => {
          if (key === 'forbidden') throw new Error('no');
        },
      },
    });
    await cache.set('a', '1');
    await cache.set('b', '2', '1s');
    await cache.get('a');
    await cache.get('a');
    await cache.get('missing');
    await cache.get('forbidden').catch(() => {});
    now += 2000;
    await cache.get('b'); // expired
    await cache.set('c', '3');
    await cache.set('d', '4');
    await cache.set('e', '5'); // one eviction
    await cache.delete('c');
    metrics.recordTimingProtection('get', 1, 5, { cache: 'sessions' });
    await reader.forceFlush();
    await cache.close();
    const last = exporter.getMetrics().at(-1)!;
    byName = new Map(last.scopeMetrics.flatMap((s) => s.metrics).map((m) => [m.descriptor.name, m]));
  });
  afterAll(() => provider.shutdown());

  const points = (name: string) => byName.get(name)?.dataPoints ?? [];
  const sumOf = (name: string, attrs: Record<string, string>) =>
    points(name)
      .filter((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v))
      .reduce((acc, p) => acc + (p.value as number), 0);

  it('records operation durations as a histogram in seconds with µs-resolving buckets', () => {
    const m = byName.get(I.duration)!;
    expect(m.descriptor.unit).toBe('s');
    expect(m.dataPointType).toBe(DataPointType.HISTOGRAM);
    const get = m.dataPoints.find(
      (p) => p.attributes[A.op] === 'get' && p.attributes[A.status] === 'ok' && p.attributes[A.cache] === 'sessions',
    )!;
    const h = get.value as { count: number; sum: number; buckets: { boundaries: number[] } };
    expect(h.count).toBe(4);
    expect(h.sum).toBeGreaterThan(0);
    expect(h.sum).toBeLessThan(1);
    expect(h.buckets.boundaries).toEqual(DURATION_BOUNDARIES);
    const sets = m.dataPoints.find((p) => p.attributes[A.op] === 'set' && p.attributes[A.status] === 'ok')!;
    expect((sets.value as { count: number }).count).toBe(5);
    const refused = m.dataPoints.find((p) => p.attributes[A.op] === 'get' && p.attributes[A.status] === 'error')!;
    expect((refused.value as { count: number }).count).toBe(1);
  });

  it('counts hits, misses and evictions by reason, with units', () => {
    expect(sumOf(I.hits, { [A.cache]: 'sessions' })).toBe(2);
    expect(sumOf(I.misses, { [A.cache]: 'sessions' })).toBe(2);
    expect(byName.get(I.hits)!.descriptor.unit).toBe('{hit}');
    expect(sumOf(I.evictions, { [A.reason]: 'expired' })).toBe(1);
    expect(sumOf(I.evictions, { [A.reason]: 'evicted' })).toBe(1);
    expect(sumOf(I.evictions, { [A.reason]: 'deleted' })).toBe(1);
  });

  it('observes the entry count', () => {
    expect(sumOf(I.entries, { [A.cache]: 'sessions' })).toBe(2);
    expect(byName.get(I.entries)!.descriptor.unit).toBe('{entry}');
  });

  it('counts security events by type and severity, and timing-protection padding in seconds', () => {
    const sec = points(I.securityEvents);
    expect(sec).toHaveLength(1);
    expect(sec[0]!.attributes).toMatchObject({ [A.cache]: 'sessions', [A.type]: expect.any(String) });
    expect(sec[0]!.value).toBe(1);
    const pad = points(I.padding)[0]!.value as { count: number; sum: number };
    expect(pad).toMatchObject({ count: 1 });
    expect(pad.sum).toBeCloseTo(0.004, 9);
    expect(byName.get(I.padding)!.descriptor.unit).toBe('s');
  });

  it('answers latency percentiles in process', () => {
    expect(metrics.getOperationLatencyPercentiles('get')!.p50).toBeGreaterThan(0);
    expect(
      otelMetrics({ meter: provider.getMeter('x'), percentiles: false }).getOperationLatencyPercentiles('get'),
    ).toBe(undefined);
  });
});

describe('otelMetrics without an SDK', () => {
  it('works on the global no-op meter', async () => {
    const metrics = otelMetrics();
    const cache = createCache<string>(memoryProvider(), { name: 'noop', metrics });
    await cache.set('k', 'v');
    expect(await cache.get('k')).toBe('v');
    expect(metrics.getOperationLatencyPercentiles('get')).toBeDefined();
    await cache.close();
  });
});
