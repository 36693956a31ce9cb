import { type Cache, CacheError } from '@gocache/core';
import { pairsMinus } from './index-plan.js';
import { batchSizeOf, coveredKeyBatches } from './index-walk.js';
import { currentMemberships, reconcile } from './membership-sync.js';
import type { IndexedCache } from './types.js';
import { indexedInternals, keyLock } from './with-indexes.js';

/** One membership that is missing or should not be there. */
export interface IndexIssue {
  key: string;
  indexName: string;
  indexKey: string;
}

/** What `verifyIndexes` found (and fixed). */
export interface VerifyIndexesReport {
  /** Live entries checked. */
  scanned: number;
  /** Memberships the values derive but the store lacks (an entry that would survive "delete all of X"). */
  missingCount: number;
  /** Memberships the store has but the values no longer derive. */
  danglingCount: number;
  /** The first `maxReported` of each kind. */
  missing: IndexIssue[];
  dangling: IndexIssue[];
  /** Entries whose memberships were rewritten (with `repair: true`). */
  repaired: number;
}

/** Options of `verifyIndexes`. */
export interface VerifyIndexesOptions {
  /** Fix what is found (add missing, remove dangling memberships). @default false */
  repair?: boolean | undefined;
  /** Entries read per round trip. @default 500 */
  batchSize?: number | undefined;
  /** Issues kept in the report's lists (counts are always complete). @default 1000 */
  maxReported?: number | undefined;
  /** Called after every batch. @default none */
  onProgress?: ((progress: { scanned: number; missingCount: number; danglingCount: number }) => void) | undefined;
  /** Stop between batches (the scan and reads reject with `ABORTED`). @default none */
  signal?: AbortSignal | undefined;
}

/**
 * Compare every covered entry's index memberships with what its value derives, in streamed
 * batches (bounded memory). Entries that are gone are never members (the store guarantees it), so
 * what can go wrong is a missing membership (a crash between a write and its reconcile in the
 * non-atomic mode) or a dangling one (a racing writer in another process). With `repair: true`
 * each affected entry is reconciled under the same per-key lock writes use.
 */
export async function verifyIndexes<T, N extends string>(
  cache: IndexedCache<T, N>,
  options: VerifyIndexesOptions = {},
): Promise<VerifyIndexesReport> {
  const int = indexedInternals(cache as Cache<T>);
  const fail = (m: string) =>
    new CacheError('INVALID_ARGUMENT', m, { cacheName: cache?.name ?? '?', op: 'verifyIndexes' });
  if (int === undefined) throw fail('verifyIndexes needs a cache returned by withIndexes');
  const batchSize = batchSizeOf(options.batchSize, fail);
  const maxReported = options.maxReported ?? 1000;
  const report: VerifyIndexesReport = {
    scanned: 0,
    missingCount: 0,
    danglingCount: 0,
    missing: [],
    dangling: [],
    repaired: 0,
  };
  const opts = { signal: options.signal };
  const note = (list: IndexIssue[], key: string, pairs: string[]) => {
    for (let i = 0; i + 1 < pairs.length && list.length < maxReported; i += 2) {
      list.push({ key, indexName: pairs[i]!, indexKey: pairs[i + 1]! });
    }
  };
  for await (const batch of coveredKeyBatches(int.inner, int.plan, batchSize, opts)) {
    const values = await int.inner.getMany(batch, opts);
    for (const [key, value] of values) {
      let want: string[];
      try {
        want = int.plan.derive(key, value, 'verifyIndexes');
      } catch {
        want = [];
      }
      const have = await currentMemberships(int.inner, int.plan, key);
      if (have === undefined) continue;
      report.scanned++;
      const missing = pairsMinus(want, have);
      const dangling = pairsMinus(have, want);
      if (missing.length === 0 && dangling.length === 0) continue;
      report.missingCount += missing.length / 2;
      report.danglingCount += dangling.length / 2;
      note(report.missing, key, missing);
      note(report.dangling, key, dangling);
      if (options.repair === true) {
        await int.mutex.runAll([keyLock(key)], () =>
          reconcile(int.inner, int.plan, key, undefined, int.rounds, 'verifyIndexes'),
        );
        report.repaired++;
      }
    }
    options.onProgress?.({
      scanned: report.scanned,
      missingCount: report.missingCount,
      danglingCount: report.danglingCount,
    });
  }
  return report;
}
