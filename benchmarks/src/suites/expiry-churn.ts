import type { StoreConfig } from '@gocache/core';
import { storeConfig } from '@gocache/core/store-kit';
import { memoryProvider } from '@gocache/provider-memory';
import { heapWithoutYielding } from '../lib/heap.ts';
import { createRng } from '../lib/rng.ts';
import type { Suite } from '../lib/suite.ts';

const MiB = 2 ** 20;

/** The parts of the memory store this suite reads besides the SPI (diagnostics, not public API). */
interface Inspectable {
  set(key: string, value: unknown, ttlMs: number): void;
  get(key: string): unknown;
  delete(key: string): boolean;
  size(): number;
  close(): void;
  stats(): { entries: number; capacity: number };
}

/**
 * Issue 11's churn: millions of synchronous set/get/delete operations with 1–20 ms TTLs on the
 * memory provider's store, in one loop that never yields, so the cleanup timer never runs. Every
 * set writes a new key (the keys of a session store), gets and deletes aim at recent keys. The
 * heap is read after forced GCs *before* anything yields; before the store kit's sweep on writes
 * it grew to 836 MB with 0 live entries. Bounded: one loop, a fixed op count.
 */
export const suite: Suite = {
  name: 'expiry-churn',
  description: '5M synchronous set/get/delete with 1–20 ms TTLs, never yielding: heap and entries held',
  async run({ smoke, report }) {
    const total = smoke ? 200_000 : 5_000_000;
    const provider = memoryProvider();
    const config: StoreConfig = storeConfig({
      name: 'churn',
      // A timer that never gets to run: the loop below never yields.
      cleanupIntervalMs: 1_000,
    });
    const store = provider.createStore<{ id: number; payload: string }>(config) as unknown as Inspectable;
    const rng = createRng(11);
    const before = heapWithoutYielding();
    const t0 = performance.now();
    let written = 0;
    let hits = 0;
    let deleted = 0;
    let maxHeld = 0;
    for (let i = 0; i < total; i++) {
      const r = rng();
      if (r < 0.5) {
        store.set(`s:${written}`, { id: written, payload: `session ${written}` }, 1 + Math.floor(rng() * 20));
        written++;
      } else {
        // A key written recently (within the last ~2,000 writes).
        const key = `s:${Math.max(0, written - 1 - Math.floor(rng() * 2_000))}`;
        if (r < 0.85) {
          if (store.get(key) !== undefined) hits++;
        } else if (store.delete(key)) deleted++;
      }
      if ((i & 0xffff) === 0) maxHeld = Math.max(maxHeld, store.stats().entries);
    }
    const seconds = (performance.now() - t0) / 1000;
    const held = store.stats().entries;
    const capacity = store.stats().capacity;
    const after = heapWithoutYielding();
    // Counting live entries purges the expired ones; done after the heap was read.
    const live = store.size();
    store.close();
    await provider.close();
    const mb = (b: number) => `${(b / MiB).toFixed(1)} MB`;
    report.table(`Synchronous churn, ${total.toLocaleString('en-US')} ops, never yielding`, [
      {
        ops: total,
        'ops/s': Math.round(total / seconds),
        sets: written,
        'get hits': hits,
        deletes: deleted,
        'heap before': mb(before),
        'heap after': mb(after),
        'entries held at the end (max seen)': `${held} (${maxHeld})`,
        'slot capacity': capacity,
        'live entries': live,
      },
    ]);
    const bounded = after - before < 64 * MiB;
    report.note(
      `Heap grew by ${mb(after - before)} over ${total.toLocaleString('en-US')} ops (target: bounded, near the start; ` +
        `issue 11 saw 836 MB with 0 live entries): ${bounded ? 'met' : 'NOT met'}.`,
    );
    report.data('expiryChurn', { total, before, after, held, maxHeld, capacity, live, seconds });
    if (!bounded) throw new Error(`expired entries piled up: the heap grew by ${mb(after - before)}`);
  },
};
