import type { Metric, Registry } from 'prom-client';
import type { HotState } from './hot-state.js';

const STATUSES = ['ok', 'error'] as const;

interface Value {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/**
 * A metric that prom-client's registry scrapes like its own (`get()` returns the same shape its
 * Counter and Histogram return), computed from `HotState` at scrape time.
 */
class Collector {
  readonly aggregator = 'sum';
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'histogram',
    private readonly values: () => Value[],
    private readonly onReset: () => void,
  ) {}

  async get() {
    return { name: this.name, help: this.help, type: this.type, values: this.values(), aggregator: this.aggregator };
  }

  reset(): void {
    this.onReset();
  }
}

/** Register the operations counter, the duration histogram and the hit/miss counters on `registry`. */
export function registerHotCollectors(
  registry: Registry,
  state: HotState,
  names: { operations: string; duration: string; hits: string; misses: string },
): void {
  const reset = () => state.reset();
  const records = () => [...state.ops.values()].flatMap((m) => [...m.values()]);
  const add = (c: Collector) => registry.registerMetric(c as unknown as Metric);
  add(
    new Collector(
      names.operations,
      'Cache operations by cache, operation and status (ok|error).',
      'counter',
      () =>
        records().flatMap((r) =>
          STATUSES.flatMap((status, s) =>
            r.count[s] === 0 ? [] : [{ labels: { cache: r.cache, op: r.op, status }, value: r.count[s]! }],
          ),
        ),
      reset,
    ),
  );
  add(
    new Collector(
      names.duration,
      'Duration of cache operations in seconds, including middleware and hooks.',
      'histogram',
      () => {
        const out: Value[] = [];
        const bounds = state.bounds;
        for (const r of records()) {
          STATUSES.forEach((status, s) => {
            if (r.count[s] === 0) return;
            const labels = { cache: r.cache, op: r.op, status };
            const counts = r.buckets[s]!;
            let acc = 0;
            for (let i = 0; i < bounds.length; i++) {
              acc += counts[i]!;
              out.push({ labels: { ...labels, le: bounds[i]! }, value: acc, metricName: `${names.duration}_bucket` });
            }
            out.push({ labels: { ...labels, le: '+Inf' }, value: r.count[s]!, metricName: `${names.duration}_bucket` });
            out.push({ labels, value: r.sum[s]!, metricName: `${names.duration}_sum` });
            out.push({ labels, value: r.count[s]!, metricName: `${names.duration}_count` });
          });
        }
        return out;
      },
      reset,
    ),
  );
  const reads = (which: 'hits' | 'misses') => () =>
    [...state.reads.entries()].map(([cache, r]) => ({ labels: { cache }, value: r[which] }));
  add(new Collector(names.hits, 'Cache reads that found a value.', 'counter', reads('hits'), reset));
  add(new Collector(names.misses, 'Cache reads that found nothing.', 'counter', reads('misses'), reset));
}
