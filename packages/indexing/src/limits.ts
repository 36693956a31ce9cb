import { type Cache, CacheError } from '@gocache/core';
import type { IndexPlan } from './index-plan.js';

/** Errors this package raises inside a user's loader/updater, so they can be unwrapped again. */
export const OWN_ERRORS = new WeakSet<CacheError>();

/** Lock names for the limited-with-reject index keys a write would join. */
export function rejectLocks<T>(plan: IndexPlan<T>, want: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < want.length; i += 2) {
    if (plan.limitOf(want[i]!)?.onExceed === 'reject') out.push(`\u0001${want[i]}\u0000${want[i + 1]}`);
  }
  return out;
}

/**
 * Refuse (before anything is written) a write whose entries would push a `reject`-limited index
 * key past its `max`. `writes` maps each key being written to its memberships. Keys already in a
 * set do not count twice.
 */
export async function checkReject<T>(
  cache: Cache<T>,
  plan: IndexPlan<T>,
  writes: ReadonlyMap<string, readonly string[]>,
  op: string,
): Promise<void> {
  const joining = new Map<string, { name: string; indexKey: string; keys: Set<string> }>();
  for (const [key, want] of writes) {
    for (let i = 0; i + 1 < want.length; i += 2) {
      const name = want[i]!;
      if (plan.limitOf(name)?.onExceed !== 'reject') continue;
      const id = `${name}\u0000${want[i + 1]}`;
      let j = joining.get(id);
      if (j === undefined) joining.set(id, (j = { name, indexKey: want[i + 1]!, keys: new Set() }));
      j.keys.add(key);
    }
  }
  for (const j of joining.values()) {
    const max = plan.limitOf(j.name)!.max;
    const members = new Set(await cache.getByIndex(j.name, j.indexKey));
    for (const k of j.keys) members.add(k);
    if (members.size > max) {
      const e = new CacheError(
        'ACCESS_DENIED',
        `index "${j.name}" key "${j.indexKey}" already holds its limit of ${max} entries (onExceed: 'reject'); delete one first`,
        { cacheName: cache.name, op, key: [...j.keys][0] },
      );
      OWN_ERRORS.add(e);
      throw e;
    }
  }
}

/**
 * After `key` joined `evict-oldest`-limited index keys, delete the oldest entries (by creation
 * time, then key) of each set over its `max`; never `key` itself. Returns the count deleted.
 */
export async function evictOldest<T>(
  cache: Cache<T>,
  plan: IndexPlan<T>,
  key: string,
  joined: readonly string[],
): Promise<number> {
  let evicted = 0;
  for (let i = 0; i + 1 < joined.length; i += 2) {
    const limit = plan.limitOf(joined[i]!);
    if (limit?.onExceed !== 'evict-oldest') continue;
    const members = await cache.getByIndex(joined[i]!, joined[i + 1]!);
    if (members.length <= limit.max) continue;
    const others = members.filter((k) => k !== key);
    const metas = await Promise.all(others.map((k) => cache.getMetadata(k)));
    const aged: [string, number][] = [];
    for (let j = 0; j < others.length; j++) {
      const m = metas[j];
      if (m !== undefined) aged.push([others[j]!, m.createdAt]);
    }
    aged.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const excess = members.length - limit.max;
    const victims = aged.slice(0, excess).map((a) => a[0]);
    if (victims.length > 0) evicted += await cache.deleteMany(victims);
  }
  return evicted;
}
