import { type Cache, CacheError } from '@gocache/core';
import { IndexPlan } from './index-plan.js';
import { batchSizeOf, coveredKeyBatches } from './index-walk.js';
import { reconcile } from './membership-sync.js';
import type { IndexDefinitions } from './types.js';
import { indexedInternals, keyLock } from './with-indexes.js';

/** Progress of `rebuildIndexes`, reported after each batch. */
export interface RebuildIndexesProgress {
  /** Live entries processed so far. */
  scanned: number;
  /** Entries whose memberships changed. */
  updated: number;
  /** Memberships added / removed. */
  added: number;
  removed: number;
}

/** Options of `rebuildIndexes`. */
export interface RebuildIndexesOptions {
  /** Entries read per round trip (the memory bound). @default 500 */
  batchSize?: number | undefined;
  /** Called after every batch. @default none */
  onProgress?: ((progress: RebuildIndexesProgress) => void) | undefined;
  /** Stop between batches (the scan and reads reject with `ABORTED`). @default none */
  signal?: AbortSignal | undefined;
}

/**
 * Backfill (or re-derive) the memberships of `defs` from the values already in `cache`: a
 * streamed scan of each index's pattern in batches of `batchSize`, one `getMany` per batch, then
 * the same reconcile a write does. Use it after declaring a new index on a cache that already
 * holds data. Safe to run while the application writes: entries are reconciled under the same
 * per-key lock when `cache` came from `withIndexes`, and a value that changed since its batch was
 * read is re-read.
 *
 * @example
 * await rebuildIndexes(sessions, { sessions_by_device: { pattern: 'session:*', by: (s) => s.device } },
 *   { onProgress: (p) => log.info(p) });
 */
export async function rebuildIndexes<T>(
  cache: Cache<T>,
  defs: IndexDefinitions<T>,
  options: RebuildIndexesOptions = {},
): Promise<RebuildIndexesProgress> {
  const int = indexedInternals(cache);
  const target = int?.inner ?? cache;
  const plan = new IndexPlan<T>(cache.name, defs, 'rebuildIndexes');
  const fail = (m: string) => new CacheError('INVALID_ARGUMENT', m, { cacheName: cache.name, op: 'rebuildIndexes' });
  const batchSize = batchSizeOf(options.batchSize, fail);
  const rounds = int?.rounds ?? 8;
  const progress: RebuildIndexesProgress = { scanned: 0, updated: 0, added: 0, removed: 0 };
  const opts = { signal: options.signal };
  for await (const batch of coveredKeyBatches(target, plan, batchSize, opts)) {
    const values = await target.getMany(batch, opts);
    await Promise.all(
      [...values].map(async ([key, value]) => {
        let want: string[];
        try {
          want = plan.derive(key, value, 'rebuildIndexes');
        } catch {
          // A value the new definition cannot index joins nothing; it is not the rebuild's to refuse.
          want = [];
        }
        const run = () => reconcile(target, plan, key, want, rounds, 'rebuildIndexes');
        const r = int === undefined ? await run() : await int.mutex.runAll([keyLock(key)], run);
        if (r === undefined) return;
        progress.scanned++;
        if (r.added.length > 0 || r.removed.length > 0) progress.updated++;
        progress.added += r.added.length / 2;
        progress.removed += r.removed.length / 2;
      }),
    );
    options.onProgress?.({ ...progress });
  }
  return progress;
}
