import { type Cache, CacheError, isCacheError } from '@gocache/core';
import { type IndexPlan, pairsMinus, sortPairs } from './index-plan.js';

/** The declared memberships an entry has now, or `undefined` when the entry is gone. */
export async function currentMemberships<T>(
  cache: Cache<T>,
  plan: IndexPlan<T>,
  key: string,
): Promise<string[] | undefined> {
  const meta = await cache.getMetadata(key);
  if (meta === undefined) return undefined;
  const have: string[] = [];
  for (const m of meta.indexes) if (plan.names.has(m.indexName)) have.push(m.indexName, m.indexKey);
  return sortPairs(have);
}

/**
 * Make the entry's declared memberships equal to what its value derives (the non-atomic path).
 * Adds before it removes, so an entry is never out of a set it belongs to while it moves; then
 * re-reads value and memberships until they agree, so a writer in another process that raced
 * this one is corrected by whichever of the two reconciles last. False when the entry is gone.
 *
 * @param want the memberships of the value just written, to save a read in the common case
 */
export async function reconcile<T>(
  cache: Cache<T>,
  plan: IndexPlan<T>,
  key: string,
  want: readonly string[] | undefined,
  rounds: number,
  op: string,
): Promise<{ added: string[]; removed: string[] } | undefined> {
  const added: string[] = [];
  const removed: string[] = [];
  let target = want;
  for (let round = 0; round < rounds; round++) {
    if (target === undefined) {
      const v = await cache.get(key);
      if (v === undefined) return undefined;
      target = plan.derive(key, v, op);
    }
    const have = await currentMemberships(cache, plan, key);
    if (have === undefined) return undefined;
    // Both lists are sorted pairs: the usual re-write keeps them equal and needs nothing more.
    if (have.length === target.length && have.every((x, i) => x === target![i])) return { added, removed };
    const add = pairsMinus(target, have);
    const drop = pairsMinus(have, target);
    if (add.length === 0 && drop.length === 0) return { added, removed };
    try {
      for (let i = 0; i < add.length; i += 2) {
        await cache.addIndex(add[i]!, key, add[i + 1]!);
        added.push(add[i]!, add[i + 1]!);
      }
    } catch (e) {
      // The entry went (deleted, expired, evicted) after it was written: nothing to keep in step.
      if (isCacheError(e, 'NOT_FOUND')) return undefined;
      throw e;
    }
    for (let i = 0; i < drop.length; i += 2) {
      await cache.removeIndex(drop[i]!, key, drop[i + 1]!);
      removed.push(drop[i]!, drop[i + 1]!);
    }
    // Verify against a fresh read: another process may have written in between.
    target = undefined;
  }
  throw new CacheError(
    'CONFLICT',
    `the entry's value kept changing while its index memberships were brought in step (${rounds} rounds); run verifyIndexes with repair`,
    { cacheName: cache.name, op, key },
  );
}
