import { type CacheMetrics, createCache } from '@gocache/core';
import { prometheusMetrics } from '@gocache/metrics-prometheus';
import { memoryProvider } from '@gocache/provider-memory';
import { Registry } from 'prom-client';
import type { Suite } from '../lib/suite.ts';
import { type Measured, measure } from '../lib/timing.ts';
import { zipfSequence } from '../lib/zipf.ts';

const NONE = 'gocache memory, no metrics';
const PROM = 'gocache memory + prometheusMetrics';
const NOOP = 'gocache memory + no-op CacheMetrics (core floor)';
/** Metered get-hit must keep at least this share of unmetered throughput. */
const TARGET = 0.7;

function noopMetrics(): CacheMetrics {
  return {
    recordHit() {},
    recordMiss() {},
    recordOperation() {},
    recordSecurityEvent() {},
    recordTimingProtection() {},
    getOperationLatencyPercentiles: () => undefined,
  };
}

interface Value {
  id: number;
  name: string;
}

/**
 * What attaching Prometheus metrics costs on the hottest path there is: memory get-hit, one call
 * at a time and 64 in flight, against the same cache with no metrics (which pays nothing).
 */
export const suite: Suite = {
  name: 'metrics-overhead',
  description: 'memory get-hit ops/s with prometheusMetrics attached vs no metrics (target ≥ 0.7×)',
  async run({ smoke, report }) {
    const keySpace = smoke ? 1_000 : 100_000;
    const length = smoke ? 2_000 : 200_000;
    const reps = smoke ? 3 : 7;
    const keys = Array.from({ length: keySpace }, (_, i) => `user:${i}`);
    const ids = zipfSequence(keySpace, 0.99, length, 1);
    const registry = new Registry();
    const caches = [
      { name: NONE, cache: createCache<Value>(memoryProvider(), { name: 'plain' }) },
      {
        name: PROM,
        cache: createCache<Value>(memoryProvider(), { name: 'prom', metrics: prometheusMetrics({ registry }) }),
      },
      // Every method empty: what core's metered path costs before any sink does anything.
      { name: NOOP, cache: createCache<Value>(memoryProvider(), { name: 'noop', metrics: noopMetrics() }) },
    ];
    for (const { cache } of caches)
      for (let i = 0; i < keySpace; i++) await cache.set(keys[i]!, { id: i, name: `u${i}` });
    const items: Measured[] = caches.flatMap(({ name, cache }) =>
      (['seq', 'batch64'] as const).map((mode) => ({
        contender: name,
        op: 'get-hit',
        mode,
        ids,
        fn: (id: number) => cache.get(keys[id]!),
      })),
    );
    const results = await measure(items, reps);
    report.ops('memory get-hit: metrics attached vs none', results, { baseline: NONE });
    // The registry really holds what was recorded (the work was not optimised away).
    const text = await registry.metrics();
    const m = /gocache_hits_total\{cache="prom"\} (\d+)/.exec(text);
    if (m === null || Number(m[1]) === 0) throw new Error('prometheusMetrics recorded no hits');
    let met = true;
    for (const mode of ['seq', 'batch64']) {
      const base = results.find((r) => r.contender === NONE && r.mode === mode)!.opsPerSec;
      for (const name of [PROM, NOOP]) {
        const ratio = results.find((r) => r.contender === name && r.mode === mode)!.opsPerSec / base;
        if (name === PROM && ratio < TARGET) met = false;
        report.note(`${mode}: ${name} = ${ratio.toFixed(2)}× of no metrics`);
      }
      const prom = results.find((r) => r.contender === PROM && r.mode === mode)!.opsPerSec;
      const floor = results.find((r) => r.contender === NOOP && r.mode === mode)!.opsPerSec;
      report.note(
        `${mode}: prometheusMetrics = ${(prom / floor).toFixed(2)}× of the no-op sink (the sink's own share)`,
      );
    }
    report.note(
      smoke
        ? 'smoke: sizes too small to judge the target'
        : met
          ? `target met: prometheusMetrics keeps ≥ ${TARGET}× of unmetered get-hit throughput`
          : `target MISSED: prometheusMetrics is below ${TARGET}× of unmetered get-hit throughput`,
    );
    report.data('hitsRecorded', Number(m[1]));
    for (const { cache } of caches) await cache.close();
  },
};
