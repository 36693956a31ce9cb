import { createCache } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';
import { Registry } from 'prom-client';
import { prometheusMetrics } from '../src/prometheus-metrics.js';

/** A sample in the exposition text: metric name, labels, value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parse Prometheus text exposition (the subset prom-client writes). */
function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) throw new Error(`unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/**
 * A workload that touches every metric: hits, misses, writes, a refused read (a security event),
 * an eviction, an expiry, timing protection; then one scrape of the real registry.
 */
export async function runWorkload(): Promise<{ text: string; samples: Sample[]; registry: Registry }> {
  const registry = new Registry();
  const metrics = prometheusMetrics({ registry });
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
  now += 2000; // b expires
  await cache.get('b');
  await cache.set('c', '3');
  await cache.set('d', '4');
  await cache.set('e', '5'); // over maxEntries: one eviction
  await cache.delete('c');
  metrics.recordTimingProtection('get', 0.2, 5, { cache: 'sessions' });
  const text = await registry.metrics();
  await cache.close();
  return { text, samples: parseExposition(text), registry };
}
