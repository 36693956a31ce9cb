import { CacheError, type DerivedIndexes, type IndexMember } from '@gocache/core';
import type { IndexPlan } from './index-plan.js';

/** Errors this package raises inside a user's loader/updater, so they can be unwrapped again. */
export const OWN_ERRORS = new WeakSet<CacheError>();

/** `DerivedIndexes.overLimit`: the decision for a write of `key` into a full limited index key. */
export type OverLimit = (key: string, indexName: string, indexKey: string, others: readonly IndexMember[]) => string[];

/**
 * The per-index-key limit rule, the only copy: a write of `key` joins `indexName`/`indexKey`,
 * whose live members other than `key` are `others`. Under `max` after the join: nothing to do.
 * Past it, `'reject'` refuses the write with `ACCESS_DENIED`; `'evict-oldest'` names the oldest
 * others (by `createdAt`, ties by key) that must go so the set holds `max`, never `key` itself.
 * Every store applies this decision (memory and Redis atomically, through
 * `DerivedIndexes.overLimit`; the portable layer and the non-atomic path through `limitVictims`).
 */
export function overLimitOf<T>(cacheName: string, plan: IndexPlan<T>): OverLimit {
  return (key, indexName, indexKey, others) => {
    const limit = plan.limitOf(indexName);
    if (limit === undefined) return [];
    const excess = others.length + 1 - limit.max;
    if (excess <= 0) return [];
    if (limit.onExceed === 'reject') {
      const e = new CacheError(
        'ACCESS_DENIED',
        `index "${indexName}" key "${indexKey}" already holds its limit of ${limit.max} entries (onExceed: 'reject'); delete one first`,
        { cacheName, op: 'write', key },
      );
      OWN_ERRORS.add(e);
      throw e;
    }
    const aged = others.slice();
    aged.sort((a, b) => a.createdAt - b.createdAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const out: string[] = [];
    for (let i = 0; i < excess; i++) out.push(aged[i]!.key);
    return out;
  };
}

/** What a store applying limits reads of the index owner's decisions (the SPI's `DerivedIndexes`). */
export type LimitOwner = Pick<DerivedIndexes, 'limits' | 'overLimit'>;

/** In-process lock names for the limited index keys among `pairs` (flat `[name, key, …]`). */
export function limitLocks(d: LimitOwner, pairs: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    if (d.limits.has(pairs[i]!)) out.push(`\u0001${pairs[i]}\u0000${pairs[i + 1]}`);
  }
  return out;
}

/** How a store that is not one atomic step reads what a limit decision needs. */
export interface LimitReader {
  /** The live members of an index key (may include the key being written). */
  members(indexName: string, indexKey: string): Promise<readonly string[]>;
  /** Each key's `createdAt`, `undefined` for a key that is gone. */
  createdAt(keys: readonly string[]): Promise<readonly (number | undefined)[]>;
}

/**
 * The store side of the limit duty for stores that cannot run it in one atomic step (the portable
 * layer, the non-atomic path): for each limited index key among `pairs` that `key` is not yet a
 * member of and that holds `max` others, ask `d.overLimit` (which throws to refuse). Returns the keys to
 * remove once the write is done. `joining` adds other keys of the same batch that join before
 * `key` (a `setMany`), as members created now. Callers hold `limitLocks` around read, write and
 * removal, so decisions within a process are serialised per index key.
 */
export async function limitVictims(
  d: LimitOwner,
  read: LimitReader,
  key: string,
  pairs: readonly string[],
  joining?: ReadonlyMap<string, readonly string[]>,
): Promise<string[]> {
  const victims: string[] = [];
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const name = pairs[i]!;
    const ik = pairs[i + 1]!;
    const limit = d.limits.get(name);
    if (limit === undefined) continue;
    const stored = await read.members(name, ik);
    if (stored.includes(key)) continue;
    const batch = joining?.get(`${name}\u0000${ik}`) ?? [];
    const candidates = [...new Set([...stored, ...batch])].filter((k) => k !== key && !victims.includes(k));
    if (candidates.length < limit.max) continue;
    const created = await read.createdAt(candidates);
    const now = Date.now();
    const others: IndexMember[] = [];
    for (let j = 0; j < candidates.length; j++) {
      const c = created[j];
      // A batch key not stored yet is created by this write; a stored key that is gone is not a member.
      if (c !== undefined) others.push({ key: candidates[j]!, createdAt: c });
      else if (batch.includes(candidates[j]!)) others.push({ key: candidates[j]!, createdAt: now });
    }
    if (others.length < limit.max) continue;
    victims.push(...d.overLimit(key, name, ik, others));
  }
  return victims;
}
