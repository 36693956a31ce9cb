import { type Cache, createCache, createInProcessMetrics, isCacheError } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';
import { settledHeap } from '../lib/heap.ts';
import { createRng } from '../lib/rng.ts';
import type { Row, Suite } from '../lib/suite.ts';

interface Session {
  user: string;
  n: number;
}

const MiB = 2 ** 20;

/** Wait (real time) until the background cleanup has swept every expired entry. */
async function waitForSweep(count: () => Promise<number | undefined>, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = (await count()) ?? 0;
    if (left === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * 10M mixed operations (100k in smoke) on one memory cache with TTLs, evictions and index churn,
 * on a fake clock that advances 1 ms every 10 operations. Then every TTL runs out, the background
 * cleanup sweeps, and the heap must return to within 10% of where it started.
 */
export const suite: Suite = {
  name: 'soak',
  description: '10M mixed ops with TTL, eviction and index churn; heap after cleanup vs start',
  async run({ smoke, report }) {
    const total = smoke ? 100_000 : 10_000_000;
    const keySpace = smoke ? 5_000 : 50_000;
    const users = smoke ? 100 : 2_000;
    const keys = Array.from({ length: keySpace }, (_, i) => `sess:${i}`);
    const userIds = Array.from({ length: users }, (_, i) => `user:${i}`);
    let now = Date.now();
    const metrics = createInProcessMetrics();
    const provider = memoryProvider();
    const cache: Cache<Session> = createCache<Session>(provider, {
      name: 'soak',
      maxEntries: Math.round(keySpace * 0.25),
      cleanupInterval: '100ms',
      indexes: { by_user: 'sess:*' },
      clock: { now: () => now },
      metrics,
    });
    const entries = async () => (await metrics.entryCounts()).soak;
    const rng = createRng(42);
    // ~15,500 entries are live at a time (writes reclaim expired ones as they go, so expired
    // entries do not fill the cache), above maxEntries: entries leave by expiry and by eviction.
    const ttl = () => 500 + Math.floor(rng() * 10_000);
    const bump = (old: Session | undefined): Session => ({ user: old?.user ?? 'user:0', n: (old?.n ?? 0) + 1 });

    let notFound = 0;
    let removedByIndex = 0;
    const step = async (): Promise<void> => {
      const key = keys[Math.floor(rng() * keySpace)] as string;
      const user = userIds[Math.floor(rng() * users)] as string;
      const r = rng();
      if (r < 0.35) await cache.get(key);
      else if (r < 0.55) await cache.set(key, { user, n: 0 }, ttl());
      else if (r < 0.65) await cache.getOrSet(key, () => ({ user, n: 0 }), ttl());
      else if (r < 0.75) await cache.update(key, bump, ttl());
      else if (r < 0.85) {
        try {
          await cache.addIndex('by_user', key, user);
        } catch (err) {
          if (!isCacheError(err, 'NOT_FOUND')) throw err;
          notFound++;
        }
      } else if (r < 0.9) await cache.getByIndex('by_user', user);
      else if (r < 0.93) removedByIndex += await cache.deleteByIndex('by_user', user);
      else await cache.delete(key);
    };
    // Warm up (1% of the ops) and sweep, so the starting level already holds compiled code and the
    // cache's fixed structures: the comparison is then about what churn leaves behind.
    for (let i = 1; i <= total / 100; i++) {
      if (i % 10 === 0) now += 1;
      await step();
    }
    now += 60_000;
    await waitForSweep(entries, 30_000);
    metrics.reset();
    notFound = 0;
    removedByIndex = 0;

    const start = await settledHeap();
    const samples: Row[] = [
      { 'ops done': 0, 'heap MiB': Number((start / MiB).toFixed(2)), entries: (await entries()) ?? 0 },
    ];
    const t0 = performance.now();
    for (let i = 1; i <= total; i++) {
      if (i % 10 === 0) now += 1;
      await step();
      if (i % (total / 10) === 0) {
        samples.push({
          'ops done': i,
          'heap MiB': Number(((await settledHeap()) / MiB).toFixed(2)),
          entries: (await entries()) ?? 0,
        });
      }
    }
    const seconds = (performance.now() - t0) / 1000;

    // Every TTL is at most 10.5 s of fake time: jump past it and let the background cleanup sweep.
    now += 60_000;
    const left = await waitForSweep(entries, 30_000);
    let staleIndexKeys = 0;
    for (const u of userIds) staleIndexKeys += (await cache.getByIndex('by_user', u)).length;
    const end = await settledHeap();
    samples.push({ 'ops done': 'after cleanup', 'heap MiB': Number((end / MiB).toFixed(2)), entries: left });
    const snap = metrics.snapshot();
    await cache.close();
    await provider.close();

    report.table(`Heap during ${total.toLocaleString('en-US')} mixed operations`, samples);
    const growth = (end - start) / start;
    report.table('Result', [
      { measure: 'ops/s (sequential, all op kinds)', value: Math.round(total / seconds) },
      { measure: 'evictions (maxEntries)', value: snap.evictions.evicted ?? 0 },
      { measure: 'expired', value: snap.evictions.expired ?? 0 },
      { measure: 'entries removed by deleteByIndex', value: removedByIndex },
      { measure: 'addIndex on a missing key (NOT_FOUND)', value: notFound },
      { measure: 'entries left after cleanup', value: left },
      { measure: 'index keys left after cleanup', value: staleIndexKeys },
      { measure: 'heap after cleanup vs start', value: `${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}%` },
    ]);
    report.table('Targets', [
      {
        target: 'heap after cleanup within 10% of start (after a 1% warm-up)',
        measured: `${(growth * 100).toFixed(1)}%`,
        met: Math.abs(growth) <= 0.1,
      },
      {
        target: 'no entry and no index key survives cleanup',
        measured: `${left} / ${staleIndexKeys}`,
        met: left === 0 && staleIndexKeys === 0,
      },
    ]);
    if (left !== 0 || staleIndexKeys !== 0)
      throw new Error(`cleanup left ${left} entries and ${staleIndexKeys} index keys`);
  },
};
