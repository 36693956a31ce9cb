import { createCache } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';
import { LRUCache } from 'lru-cache';
import { beladyHitRatio } from '../lib/belady.ts';
import type { Row, Suite } from '../lib/suite.ts';
import { createSyncStore, replaySync } from '../lib/sync-store.ts';
import { type Trace, zipfTrace, zipfWithScansTrace } from '../lib/traces.ts';

const POLICIES = ['lru', 'lfu', 'tinylfu'] as const;

function lruCacheHitRatio(keys: readonly string[], ids: Int32Array, capacity: number): number {
  const c = new LRUCache<string, number>({ max: capacity });
  let hits = 0;
  for (let i = 0; i < ids.length; i++) {
    const key = keys[ids[i] as number] as string;
    if (c.get(key) !== undefined) hits++;
    else c.set(key, 1);
  }
  return hits / ids.length;
}

/** The same replay through the public async API, to show the SPI shortcut changes no decision. */
async function replayPublic(
  keys: readonly string[],
  ids: Int32Array,
  capacity: number,
  policy: string,
): Promise<number> {
  const cache = createCache<number>(memoryProvider(), {
    name: `sim-public-${policy}`,
    maxEntries: capacity,
    providerOptions: { policy },
  });
  let hits = 0;
  for (let i = 0; i < ids.length; i++) {
    const key = keys[ids[i] as number] as string;
    if ((await cache.get(key)) !== undefined) hits++;
    else await cache.set(key, 1);
  }
  await cache.close();
  return hits / ids.length;
}

const pct = (r: number) => Number((r * 100).toFixed(2));

/**
 * Hit ratio of our eviction policies vs lru-cache vs Belady's optimum, on Zipf traces with and
 * without periodic scans, at cache sizes of 1% and 10% of the key space. Our policies are driven
 * through the provider's SPI store synchronously (see lib/sync-store.ts).
 */
export const suite: Suite = {
  name: 'hit-ratio',
  description: 'hit ratio %: gocache lru/lfu/tinylfu vs lru-cache vs Belady optimal, Zipf ± scans',
  async run({ smoke, report }) {
    const keySpace = smoke ? 2_000 : 100_000;
    const length = smoke ? 20_000 : 1_000_000;
    const traces: Trace[] = [
      zipfTrace(keySpace, 0.8, length, 11),
      zipfTrace(keySpace, 1.0, length, 12),
      // Scans of 20% of the key space, every 100,000 requests (every 2,000 in smoke): longer
      // than either cache size, so each scan flushes a plain LRU.
      zipfWithScansTrace(keySpace, 1.0, length, 13, {
        period: smoke ? 2_000 : 100_000,
        scanLength: Math.round(keySpace * 0.2),
      }),
    ];
    const provider = memoryProvider();
    const rows: Row[] = [];
    const checks: Row[] = [];
    for (const trace of traces) {
      const keys = Array.from({ length: trace.idSpace }, (_, i) => `k:${i}`);
      for (const fraction of [0.01, 0.1]) {
        const capacity = Math.round(keySpace * fraction);
        const row: Record<string, string | number> = {
          trace: trace.name,
          'cache size': `${fraction * 100}% (${capacity})`,
        };
        const ours: Record<string, number> = {};
        for (const policy of POLICIES) {
          const store = createSyncStore<number>(provider, capacity, { policy });
          ours[policy] = replaySync(store, keys, trace.ids);
          await store.close();
          row[`gocache ${policy}`] = pct(ours[policy] as number);
        }
        row['lru-cache'] = pct(lruCacheHitRatio(keys, trace.ids, capacity));
        const opt = beladyHitRatio(trace.ids, trace.idSpace, capacity);
        row['Belady optimal'] = pct(opt);
        rows.push(row);
        const tiny = ours.tinylfu as number;
        if (trace.name.includes('scans')) {
          const gain = (tiny - (ours.lru as number)) * 100;
          checks.push({
            target: `tinylfu ≥ lru + 5 points (${trace.name}, ${fraction * 100}%)`,
            measured: `${gain.toFixed(1)} points`,
            met: gain >= 5,
          });
        } else if (trace.name === 'zipf s=1') {
          const gap = (opt - tiny) * 100;
          checks.push({
            target: `tinylfu within 10 points of optimal (${trace.name}, ${fraction * 100}%)`,
            measured: `${gap.toFixed(1)} points below`,
            met: gap <= 10,
          });
        }
      }
    }
    await provider.close();

    // Cross-check one configuration through createCache + await get/set: it must match exactly.
    const first = traces[0] as Trace;
    const firstKeys = Array.from({ length: first.idSpace }, (_, i) => `k:${i}`);
    const capacity = Math.round(keySpace * 0.01);
    const viaPublic = await replayPublic(firstKeys, first.ids, capacity, 'tinylfu');
    const viaSpi = rows[0]?.['gocache tinylfu'];
    if (pct(viaPublic) !== viaSpi) {
      throw new Error(
        `public API gave ${pct(viaPublic)}% but the SPI replay gave ${String(viaSpi)}% (${first.name}, 1%)`,
      );
    }
    report.note(
      `Cross-check: ${first.name} at 1% through createCache + await get/set gives the same ${pct(viaPublic)}% as the SPI replay.`,
    );
    report.table(
      `Hit ratio % (${length.toLocaleString('en-US')} requests, key space ${keySpace.toLocaleString('en-US')})`,
      rows,
    );
    report.table('Targets', checks);
  },
};
