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

/**
 * Before a write (the store's duty 2 in `DerivedIndexes`): for each limited set `key` newly joins
 * whose live other members number `max` or more, ask `overLimit`, which throws to refuse the
 * write. Returns the keys to remove once the write is done.
 */
export function limitVictims(
  d: DerivedIndexes,
  host: DerivedHost,
  registry: IndexRegistry | undefined,
  key: string,
  slot: number | undefined,
  pairs: readonly string[],
): readonly string[] {
  let out: string[] | undefined;
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const name = pairs[i]!;
    const limit = d.limits.get(name);
    if (limit === undefined) continue;
    const indexKey = pairs[i + 1]!;
    if (slot !== undefined && registry?.has(slot, name, indexKey)) continue;
    const others = liveMembers(host, registry?.slots(name, indexKey), key);
    if (others.length < limit.max) continue;
    const victims = d.overLimit(
      key,
      name,
      indexKey,
      others.map((k) => ({ key: k, createdAt: host.createdAt(k) })),
    );
    if (victims.length > 0) (out ??= []).push(...victims);
  }
  return out ?? NONE;
}

/**
 * After a write, in the same synchronous step: replace the entry's memberships in `d.names` with
 * `pairs`, leaving other indexes alone. `owned`: `pairs` came from `deriveFrom` and is not the
 * entry's current list, so it differs from it (or only drops other indexes' memberships) and is a
 * fresh array the registry may keep.
 */
export function applyMemberships(
  d: DerivedIndexes,
  registry: IndexRegistry,
  slot: number,
  pairs: readonly string[],
  owned: boolean,
): void {
  // The usual write keeps the memberships it had: nothing to change.
  if (!owned && registry.holds(slot, d.names, pairs)) return;
  registry.replace(slot, d.names, pairs, owned);
}
