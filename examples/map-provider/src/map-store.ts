import type { CacheEntryMetadata, EntryVersion, LeaveReason, Store, StoreConfig } from '@gocache/core';
import * as kit from '@gocache/core/store-kit';

type Stamps = Required<Pick<CacheEntryMetadata, 'createdAt' | 'updatedAt' | 'lastAccessedAt' | 'hits'>>;
/** One entry; `version` changes on every write, for `compareAndSet`. */
type Entry<T> = { value: T; version: number; expiresAt: number; meta: Stamps };
type MapStore<T> = Store<T> & kit.Sweepable<MapIterator<[string, Entry<T>]>>;

/**
 * One cache's entries in a plain `Map`, from `@gocache/core/store-kit`'s parts: expiry, sweeping,
 * leave events after each operation, indexes. `maxEntries` evicts the oldest-inserted entry.
 * Only the nine required methods and the index primitives are here; core derives the rest.
 */
export function mapStore<T>(config: StoreConfig): MapStore<T> {
  const entries = new Map<string, Entry<T>>();
  const indexes = new kit.KeyIndexes();
  const clock = kit.expiryClock(config.now);
  const leave = new kit.LeaveEvents(config.name, config.onLeave);
  const max = config.maxEntries ?? Number.POSITIVE_INFINITY;
  let version = 0;

  /** Send the leave events an operation queued, once it is complete; returns `result`. */
  const done = <R>(result: R): R => {
    leave.flush();
    return result;
  };
  const remove = (key: string, e: Entry<T>, reason: LeaveReason) => {
    entries.delete(key);
    indexes.drop(key);
    leave.add(key, reason, e.value);
  };
  /** The entry if it is live; an expired one is removed on sight. */
  const live = (key: string): Entry<T> | undefined => {
    const e = entries.get(key);
    if (e === undefined || !clock.isExpired(e.expiresAt)) return e;
    remove(key, e, 'expired');
    return undefined;
  };
  const read = (key: string) => {
    const e = done(live(key));
    if (e !== undefined) [e.meta.hits, e.meta.lastAccessedAt] = [e.meta.hits + 1, clock.now()];
    return e;
  };
  /** An overwrite keeps the entry's createdAt, hits, index memberships and place in line. */
  const write = (key: string, value: T, ttlMs: number, old: Entry<T> | undefined) => {
    const now = clock.now();
    const meta = { createdAt: now, hits: 0, ...old?.meta, updatedAt: now, lastAccessedAt: now };
    entries.set(key, { value, version: ++version, expiresAt: kit.expiresAt(now, ttlMs), meta });
    if (old !== undefined && old.value !== value) leave.add(key, 'replaced', old.value);
    for (const [k, e] of entries) {
      if (entries.size <= max) break;
      if (k !== key) remove(k, e, clock.isExpired(e.expiresAt) ? 'expired' : 'evicted');
    }
    sweeper.onWrite(store, now);
    return true;
  };
  const dropAll = (reason: LeaveReason) => {
    for (const [key, e] of entries) remove(key, e, clock.isExpired(e.expiresAt) ? 'expired' : reason);
    leave.flush();
  };

  const store: MapStore<T> = {
    get: (key) => read(key)?.value,
    // Not a hit: core's derived touch/setIfExists and @gocache/indexing read through it too.
    getVersioned: (key) => done(live(key)),
    set: (key, value, ttlMs) => done(void write(key, value, ttlMs, live(key))),
    compareAndSet: (key, expected: EntryVersion | null, value, ttlMs) => {
      const e = live(key);
      return done((expected === null ? e === undefined : e?.version === expected) && write(key, value, ttlMs, e));
    },
    delete: (key) => {
      const e = live(key);
      if (e !== undefined) remove(key, e, 'deleted');
      return done(e !== undefined);
    },
    clear: () => dropAll('cleared'),
    // A snapshot, so a caller that deletes while iterating sees every key once.
    scan: (glob) => [...entries.keys()].filter((key) => glob.test(key) && done(live(key)) !== undefined),
    getMetadata: (key): CacheEntryMetadata | undefined => {
      const e = done(live(key));
      if (e === undefined) return undefined;
      return { key, ...e.meta, expiresAt: kit.expiryMetadata(e.expiresAt), indexes: indexes.memberships(key) };
    },
    close: () => {
      sweeper.stop();
      dropAll('closed');
    },
    addIndex: (indexName, key, indexKey) => {
      const found = done(live(key)) !== undefined;
      if (found) indexes.add(indexName, indexKey, key);
      return found;
    },
    removeIndex: (indexName, key, indexKey) => indexes.remove(indexName, indexKey, key),
    getByIndex: (indexName, indexKey) => done(indexes.keys(indexName, indexKey).filter((k) => live(k) !== undefined)),
    indexFootprint: () => indexes.footprint(),
    hasExpiring: () => entries.size > 0,
    sweep: (cursor, budget, now) => kit.sweepMap(entries, cursor, budget, now, (key, e) => remove(key, e, 'expired')),
    afterSweep: () => leave.flush(),
  };
  const sweeper = new kit.ExpirySweeper(store, { now: config.now, intervalMs: config.cleanupIntervalMs });
  return store;
}
