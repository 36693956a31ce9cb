import { createCache } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';
import { LRUCache } from 'lru-cache';
import { settledHeap } from '../lib/heap.ts';
import type { Row, Suite } from '../lib/suite.ts';

interface Footprint {
  contender: string;
  /** Bytes of heap the structure adds per entry (keys and values excluded: they are shared). */
  bytesPerEntry: number;
}

/**
 * Heap bytes per entry at N small entries (1M; 10k in smoke). Keys and values are allocated before
 * the baseline and shared by every contender, so the figure is each cache's own bookkeeping; the
 * cost of the key strings themselves is shown separately for scale.
 */
export const suite: Suite = {
  name: 'memory',
  description: 'heap bytes per entry at 1M small entries: gocache memory vs lru-cache (vs a bare Map)',
  async run({ smoke, report }) {
    const n = smoke ? 10_000 : 1_000_000;
    const before = await settledHeap();
    const keys = Array.from({ length: n }, (_, i) => `key:${i}`);
    const keyBytes = ((await settledHeap()) - before) / n;

    const measureOne = async (contender: string, fill: () => Promise<() => Promise<number>>): Promise<Footprint> => {
      const base = await settledHeap();
      const sizeOf = await fill();
      const after = await settledHeap();
      // Reading every entry back proves nothing was evicted and keeps the structure reachable until now.
      const size = await sizeOf();
      if (size !== n) throw new Error(`${contender} holds ${size} entries, expected ${n}`);
      return { contender, bytesPerEntry: (after - base) / n };
    };

    const results: Footprint[] = [];
    results.push(
      await measureOne('Map (no cache logic)', async () => {
        const m = new Map<string, number>();
        for (let i = 0; i < n; i++) m.set(keys[i] as string, i);
        return async () => m.size;
      }),
    );
    results.push(
      await measureOne('lru-cache', async () => {
        const c = new LRUCache<string, number>({ max: n });
        for (let i = 0; i < n; i++) c.set(keys[i] as string, i);
        return async () => c.size;
      }),
    );
    for (const policy of ['lru', 'tinylfu'] as const) {
      results.push(
        await measureOne(`gocache memory (${policy}, maxEntries)`, async () => {
          const cache = createCache<number>(memoryProvider(), {
            name: `mem-${policy}`,
            maxEntries: n,
            providerOptions: { policy },
          });
          for (let i = 0; i < n; i++) await cache.set(keys[i] as string, i);
          return async () => (await cache.getMany(keys)).size;
        }),
      );
    }
    results.push(
      await measureOne('gocache memory (unbounded)', async () => {
        const cache = createCache<number>(memoryProvider(), { name: 'mem-unbounded' });
        for (let i = 0; i < n; i++) await cache.set(keys[i] as string, i);
        return async () => (await cache.getMany(keys)).size;
      }),
    );
    const lru = results.find((r) => r.contender === 'lru-cache') as Footprint;
    const rows: Row[] = results.map((r) => ({
      contender: r.contender,
      'bytes/entry': Math.round(r.bytesPerEntry),
      '× lru-cache': `${(r.bytesPerEntry / lru.bytesPerEntry).toFixed(2)}×`,
    }));
    report.table(
      `Heap per entry at ${n.toLocaleString('en-US')} entries (key strings excluded: ${Math.round(keyBytes)} B each)`,
      rows,
    );
  },
};
