import type { DerivedIndexes } from '@gocache/core';
import type { IndexRegistry } from '@gocache/core/store-kit';

/** What the derived-index steps need from the store. */
export interface DerivedHost {
  /** The key of the entry in `slot` (an index member) when it has not expired (never removes anything). */
  liveKey(slot: number): string | undefined;
  /** The entry's `createdAt` (epoch ms). */
  createdAt(key: string): number;
  /** Remove `key`'s entry because an index limit pushed it out. */
  evictForLimit(key: string): void;
}

/** Shared empty result of a write that joined nothing (callers only read it). */
const NONE: readonly string[] = [];

/** The keys of a set's live members other than `except`. */
function liveMembers(host: DerivedHost, slots: readonly number[] | undefined, except: string): string[] {
  const out: string[] = [];
  if (slots === undefined) return out;
  for (let i = 0; i < slots.length; i++) {
    const k = host.liveKey(slots[i]!);
    if (k !== undefined && k !== except) out.push(k);
  }
  return out;
}

/** Before a write: throw the limit error if `key` would join a full `reject`-limited index set. */
export function checkRejectLimits(
  d: DerivedIndexes,
  host: DerivedHost,
  registry: IndexRegistry | undefined,
  key: string,
  slot: number | undefined,
  pairs: readonly string[],
): void {
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const name = pairs[i]!;
    const indexKey = pairs[i + 1]!;
    const limit = d.limits.get(name);
    if (limit?.onExceed !== 'reject') continue;
    if (slot !== undefined && registry?.has(slot, name, indexKey)) continue;
    if (liveMembers(host, registry?.slots(name, indexKey), key).length >= limit.max) {
      throw d.limitError(key, name, indexKey);
    }
  }
}

/**
 * After a write, in the same synchronous step: replace the entry's memberships in `d.names` with
 * `pairs`, leaving other indexes alone. Returns the `evict-oldest`-limited sets it newly joined,
 * as flat (indexName, indexKey) pairs. `owned`: `pairs` came from `deriveFrom` and is not the
 * entry's current list, so it differs from it (or only drops other indexes' memberships) and is a
 * fresh array the registry may keep.
 */
export function applyMemberships(
  d: DerivedIndexes,
  registry: IndexRegistry,
  slot: number,
  pairs: readonly string[],
  owned: boolean,
): readonly string[] {
  // The usual write keeps the memberships it had: nothing to change, nothing joined.
  if (!owned && registry.holds(slot, d.names, pairs)) return NONE;
  if (d.limits.size === 0) {
    registry.replace(slot, d.names, pairs, owned);
    return NONE;
  }
  const joined: string[] = [];
  registry.replace(slot, d.names, pairs, owned, joined);
  let n = 0;
  for (let i = 0; i + 1 < joined.length; i += 2) {
    if (d.limits.get(joined[i]!)?.onExceed !== 'evict-oldest') continue;
    joined[n++] = joined[i]!;
    joined[n++] = joined[i + 1]!;
  }
  joined.length = n;
  return joined;
}

/** Trim each joined set back to its limit, oldest `createdAt` first (ties by key), never `key` itself. */
export function evictOldest(
  d: DerivedIndexes,
  host: DerivedHost,
  registry: IndexRegistry,
  key: string,
  joined: readonly string[],
): void {
  for (let i = 0; i + 1 < joined.length; i += 2) {
    const name = joined[i]!;
    const max = d.limits.get(name)!.max;
    const others = liveMembers(host, registry.slots(name, joined[i + 1]!), key);
    const excess = others.length + 1 - max;
    if (excess <= 0) continue;
    const aged = others.map((k) => [k, host.createdAt(k)] as const);
    aged.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (let j = 0; j < excess; j++) host.evictForLimit(aged[j]![0]);
  }
}
