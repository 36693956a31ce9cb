import type { ObservedCache } from '@gocache/core';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { DURATION_BUCKETS, PADDING_BUCKETS } from './buckets.js';
import { registerHotCollectors } from './collectors.js';
import { HotState } from './hot-state.js';

/** The prom-client metrics one registry holds for one prefix. */
export interface Instruments {
  /** Operations, durations, hits and misses (the per-call metrics), exported by collectors. */
  hot: HotState;
  evictions: Counter<'cache' | 'reason'>;
  entries: Gauge<'cache'>;
  security: Counter<'cache' | 'type' | 'severity'>;
  padding: Histogram<'cache' | 'op'>;
  /** Caches whose entry counts the `entries` gauge reads at scrape time. */
  observed: Set<ObservedCache>;
}

// One set of instruments per registry and prefix, so that two sinks on one registry (two
// managers, a test re-run) share metrics instead of failing on a duplicate name.
const byRegistry = new WeakMap<Registry, Map<string, Instruments>>();

/** The metric names for `prefix`, as they appear in the exposition text (counters end in `_total`). */
export function metricNames(prefix: string) {
  return {
    operations: `${prefix}operations_total`,
    duration: `${prefix}operation_duration_seconds`,
    hits: `${prefix}hits_total`,
    misses: `${prefix}misses_total`,
    evictions: `${prefix}evictions_total`,
    entries: `${prefix}entries`,
    security: `${prefix}security_events_total`,
    padding: `${prefix}timing_protection_padding_seconds`,
  } as const;
}

/** Get or create the instruments of `prefix` on `registry`. */
export function instrumentsFor(registry: Registry, prefix: string): Instruments {
  let perPrefix = byRegistry.get(registry);
  if (perPrefix === undefined) byRegistry.set(registry, (perPrefix = new Map()));
  const existing = perPrefix.get(prefix);
  if (existing !== undefined) return existing;
  const n = metricNames(prefix);
  const registers = [registry];
  const observed = new Set<ObservedCache>();
  const hot = new HotState(DURATION_BUCKETS);
  registerHotCollectors(registry, hot, n);
  const made: Instruments = {
    hot,
    evictions: new Counter({
      name: n.evictions,
      help: 'Entries that left the cache, by reason (expired|evicted|deleted|cleared).',
      labelNames: ['cache', 'reason'],
      registers,
    }),
    entries: new Gauge({
      name: n.entries,
      help: 'Entries currently in the cache (read at scrape time, where the provider can tell).',
      labelNames: ['cache'],
      registers,
      async collect() {
        for (const c of observed) {
          try {
            const count = await c.entryCount();
            if (count === undefined) this.remove({ cache: c.name });
            else this.set({ cache: c.name }, count);
          } catch {
            // A cache that cannot count right now (closed, backend down) is left out of this scrape.
            this.remove({ cache: c.name });
          }
        }
      },
    }),
    security: new Counter({
      name: n.security,
      help: 'Security events (access_denied, rate_limited, secure_cleanup, ...) by type and severity.',
      labelNames: ['cache', 'type', 'severity'],
      registers,
    }),
    padding: new Histogram({
      name: n.padding,
      help: 'Time added by timing protection to reach the minimum processing time, in seconds.',
      labelNames: ['cache', 'op'],
      buckets: [...PADDING_BUCKETS],
      registers,
    }),
    observed,
  };
  perPrefix.set(prefix, made);
  return made;
}
