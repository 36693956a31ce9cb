import type { InvalidationBus } from './bus.js';
import type { CompiledGlob } from './glob.js';
import type { CacheMetrics } from './metrics.js';
import type { EntryLeaveEvent } from './middleware.js';
import type { CacheEntryMetadata } from './types.js';

/**
 * The SPI version this core implements. A provider declares the version it was written for.
 * Version 2 made every derivable store method optional, added `touch` and `indexFootprint`, and
 * fixed the order of leave events (after the write); core still accepts version-1 providers,
 * which implement every version-1 method.
 */
export const SPECIFICATION_VERSION = 2;

/** Every SPI version this core accepts. */
export const SUPPORTED_SPECIFICATION_VERSIONS: readonly number[] = Object.freeze([1, 2]);

/** A result a store may return synchronously (memory) or asynchronously (network). */
export type MaybePromise<T> = T | Promise<T>;

/** What a provider claims; the conformance kit runs the sections that match, and no fewer. */
export interface ProviderCapabilities {
  /** Entries are shared across processes (e.g. Redis): the kit adds cross-process checks. */
  readonly distributed: boolean;
  /** Expiry follows `StoreConfig.now`, so the kit may drive TTLs with a fake clock. */
  readonly fakeClock: boolean;
  /**
   * `maxEntries` is enforced by evicting entries (reported with reason `evicted`). Excludes
   * `localBound`.
   */
  readonly eviction: boolean;
  /**
   * `maxEntries` bounds this process's copy of the entries (a tiered cache's L1), not the entries
   * the cache holds: core accepts `maxEntries` and hands it to the store, which never loses an
   * entry because of it and reports no leave event for it (an evicted copy is read again from the
   * authoritative tier). Excludes `eviction`: core refuses a provider that claims both. The kit's
   * `localBound` group checks that no entry is lost. Optional (absent = false).
   */
  readonly localBound?: boolean | undefined;
  /** The store implements the index primitives (`addIndex` … `deleteByIndex`). */
  readonly indexes: boolean;
  /** Values are held in-process by reference (so `clone` matters and leave events carry values). */
  readonly referenceValues: boolean;
  /** Metadata includes `lastAccessedAt` and `hits`. */
  readonly accessTracking: boolean;
  /**
   * The stores implement `deriveIndexes` (value-derived memberships and limit decisions applied in
   * each write's atomic step): the kit runs its `derivedIndexes` group, and checks the claim
   * against the store either way. Optional for providers written before it (absent = false).
   */
  readonly derivedIndexes?: boolean | undefined;
}

/** What core hands a provider when a cache is created. All values are already validated. */
export interface StoreConfig {
  /** The cache's name: the store's namespace. */
  readonly name: string;
  /** The clock in epoch ms; stores compute expiry with it. Core checks that it returns a finite number. */
  readonly now: () => number;
  /**
   * The cache's `maxEntries`, if any (positive integer). Only set for providers that claim
   * `capabilities.eviction` (a bound on the entries, kept by evicting) or `capabilities.localBound`
   * (a bound on this process's copy only); core refuses `maxEntries` for any other with
   * `INVALID_ARGUMENT`.
   */
  readonly maxEntries: number | undefined;
  /** Background cleanup period in ms, if any (positive, finite). */
  readonly cleanupIntervalMs: number | undefined;
  /** Declared index admission globs (core enforces them; stores may use them). */
  readonly indexes: Readonly<Record<string, string>>;
  /** Maximum key length in UTF-8 bytes (keys are already checked against it). */
  readonly maxKeyLength: number;
  /**
   * Report entries that leave the store. `undefined` when nobody listens: then the store should
   * not pay for collecting events.
   */
  readonly onLeave: ((event: EntryLeaveEvent) => void) | undefined;
  /**
   * The cache's metrics sink, if any: stores report what only they see, e.g.
   * `recordSecurityEvent('deserialization_failure', 'high', { cache, key })` for corrupt bytes.
   */
  readonly metrics: CacheMetrics | undefined;
  /** The cache's `providerOptions`, unvalidated: the provider checks its own section. */
  readonly providerOptions: unknown;
}

/** An opaque version of an entry for compare-and-set (a counter, a token, an object identity). */
export type EntryVersion = unknown;

/** A cap on the entries of one index key, kept by the store (see `Store.deriveIndexes`). */
export interface DerivedIndexLimit {
  /** The most entries one index key of this index may hold. */
  readonly max: number;
}

/** A live member of an index key, as a store hands it to `DerivedIndexes.overLimit`. */
export interface IndexMember {
  readonly key: string;
  /** The entry's `createdAt` (epoch ms), as `getMetadata` reports it. */
  readonly createdAt: number;
}

/**
 * Index memberships derived from values, which a store keeps in step with every write.
 *
 * The index owner (`@gocache/indexing`) computes every decision: the memberships of a value
 * (`derive`) and what happens when a limited index key is full (`overLimit`). The store only
 * applies them, atomically with the write. Its duties, in order, within one atomic step:
 * 1. derive the value's memberships (a `CacheError` from `derive` refuses the write);
 * 2. for each limited (`limits`) index key the entry newly joins (it was not a member), whose
 *    live members other than the entry number `max` or more, call `overLimit` with those members
 *    (a throw refuses the write: nothing is written);
 * 3. write the value and replace its memberships in `names` (other indexes are left alone);
 * 4. remove the entries `overLimit` returned, with all their memberships, leave reason `deleted`.
 * The kit's `derivedIndexes` group checks each duty.
 */
export interface DerivedIndexes {
  /** The index names `derive` decides; memberships in any other index are left as they are. */
  readonly names: ReadonlySet<string>;
  /**
   * The memberships of `value` at `key` as flat `[indexName, indexKey, …]` pairs, sorted and
   * without duplicates. Pure and fast. May throw a `CacheError` to refuse the write.
   */
  derive(key: string, value: unknown): readonly string[];
  /**
   * Optional: `derive`, given the entry's current memberships `prev` as the store keeps them (flat
   * pairs, the ones this object derived first, then any added with `addIndex`; `undefined` for none). A result equal to `prev` is `prev` itself, so a
   * store recognises an unchanged re-write by identity and allocates nothing; any other result is
   * a new array nobody else holds, which the store may keep as it is. Stores that do not use it
   * call `derive`; both give the same memberships.
   */
  deriveFrom?(key: string, value: unknown, prev: readonly string[] | undefined): readonly string[];
  /** The limited indexes: a store asks `overLimit` when a write would take one of their keys past `max`. */
  readonly limits: ReadonlyMap<string, DerivedIndexLimit>;
  /**
   * The limit decision for a write of `key` joining `indexName`/`indexKey`, whose live members
   * other than `key` are `others` (at least `max` of them): returns the keys the store must remove
   * in the same step (never `key`), or throws the `CacheError` that refuses the write.
   */
  overLimit(key: string, indexName: string, indexKey: string, others: readonly IndexMember[]): readonly string[];
}

/** A live entry's value with its expiry, as `Store.getEntry` returns it. */
export interface LiveEntry<T> {
  readonly value: T;
  /** Epoch ms, `null` for no expiry: what `getMetadata` reports as `expiresAt`. */
  readonly expiresAt: number | null;
}

/** Hooks core hands `loadThrough` so a distributed store keeps core's guarantees. */
export interface LoadThroughContext<T> {
  /** Aborts when every waiter aborted, the load timed out, or the cache closed. */
  readonly signal: AbortSignal;
  /** Runs the user's loader (with core's timeout, validation and error wrapping). */
  load(): Promise<T>;
  /** False once a delete/clear/write raced the load: the result must then not be stored. */
  shouldStore(): boolean;
}

/**
 * Storage primitives for one cache namespace. Core has validated every argument, resolved TTLs,
 * checked `CLOSED`/`ABORTED` and runs middleware, hooks, metrics and single-flight; a store only
 * stores. Keys are the user's keys (no prefix); a store namespaces them itself.
 *
 * **Required** are the nine methods core cannot derive from others: `get`, `set`, `delete`,
 * `clear`, `getVersioned`, `compareAndSet`, `scan`, `getMetadata`, `close`. Every other method is
 * optional: core derives it from the required ones (see each method's note) and uses a store's own
 * version where present, because it is faster (one round trip) or atomic where the fallback is
 * not. Core's README lists the set and the reasoning.
 *
 * TTLs arrive as `ttlMs`: a positive number of milliseconds, or `Infinity` for no expiry. An expired
 * entry must never be returned by any read, scan or index primitive, whether or not cleanup ran.
 * Write batches never repeat a key: core keeps the last value of a repeated `setMany` key and
 * passes each `deleteMany` key once. `getMany` gets the caller's keys as given, repeats included.
 *
 * **Leave events** (`StoreConfig.onLeave`): an entry that leaves is reported once, with the reason
 * `deleted` (delete, deleteMany, deleteByIndex, deleteByPattern), `replaced` (overwritten by any
 * write: set, setMany, the conditional writes, compareAndSet, a load's store step), `expired` (found
 * expired by a read, a sweep or a write), `evicted` (bounds), `cleared` (clear) or `closed` (close),
 * and always **after** the operation that caused it is complete: the store is in its final state
 * (the new value written, indexes updated) when the listener runs, so a listener may call the store
 * again. A store that drops expired rows in a query (SQL `WHERE expires_at > now`) reports `expired`
 * only for the rows it actually removes; rows it merely skipped are reported when they are removed.
 * Stores whose values live out of process (`referenceValues: false`) may omit `value`.
 * `@gocache/core/store-kit` implements this order for in-process stores.
 *
 * **Errors**: throw a `CacheError` for known conditions (`UNAVAILABLE`, `SERIALIZATION`,
 * `TIMEOUT`, …); `storeError(code, message)` makes one without context, and core adds the cache
 * name, operation and key. Anything else is wrapped as `PROVIDER`. Methods may return
 * synchronously; core never awaits a non-promise.
 *
 * **Hits**: core records hits and misses of `get`, `getMany` and `getOrSet`; a store that tracks
 * `CacheEntryMetadata.hits` counts every read that returned the entry's value (`get`, `getMany`,
 * `getEntry`, a `getOrSet` hit), not `getVersioned` (core and layers read through it for their own
 * writes), `has`, `getMetadata`, scans or index reads.
 */
export interface Store<T> {
  /** The live value, or `undefined`. */
  get(key: string): MaybePromise<T | undefined>;
  /** Write (create or overwrite) a live entry; `createdAt` is kept on overwrite. */
  set(key: string, value: T, ttlMs: number): MaybePromise<void>;
  /** True when a live entry was removed. */
  delete(key: string): MaybePromise<boolean>;
  /** Remove every entry (and index) of this namespace only. */
  clear(): MaybePromise<void>;

  /** The live value with a version for `compareAndSet`. */
  getVersioned(key: string): MaybePromise<{ value: T; version: EntryVersion } | undefined>;
  /**
   * Atomic: write only if the entry's version is still `expected` (`null`: only if no live entry
   * exists). A write that cannot have been applied twice: after an unknown outcome the store
   * either knows it landed (true) or throws; it never re-sends blindly.
   */
  compareAndSet(key: string, expected: EntryVersion | null, value: T, ttlMs: number): MaybePromise<boolean>;

  /** Live keys matching `glob` (`glob.test(key)`; `glob.prefix` narrows the search). */
  scan(glob: CompiledGlob): AsyncIterable<string> | Iterable<string>;

  getMetadata(key: string): MaybePromise<CacheEntryMetadata | undefined>;

  /** Stop timers, release resources. Never closes a client the user owns. Idempotent. */
  close(): MaybePromise<void>;

  /** Optional; derived: `get(key) !== undefined`. */
  has?(key: string): MaybePromise<boolean>;
  /**
   * Optional: the live value together with its expiry (`expiresAt` exactly as `getMetadata`
   * reports it), read in one step — one round trip, one command or script on a network store — or
   * `undefined` on a miss (absent or expired). Layers that keep copies use it to bound a copy by
   * the entry's own expiry without a second read (`@gocache/tiered` fills its L1 with it). It is a
   * read that returns the value, so it counts as a hit like `get` (`hits`, `lastAccessedAt`,
   * eviction recency). Derived: `get` and `getMetadata` at once — two reads, not atomic; an entry
   * that one of them does not find reads as a miss.
   */
  getEntry?(key: string): MaybePromise<LiveEntry<T> | undefined>;
  /** Optional; values in the order of `keys`, `undefined` for misses. Derived: one `get` per key. */
  getMany?(keys: readonly string[]): MaybePromise<(T | undefined)[]>;
  /** Optional; derived: one `set` per entry (concurrently). Keys are distinct. */
  setMany?(entries: readonly (readonly [string, T])[], ttlMs: number): MaybePromise<void>;
  /** Optional; the count of live entries removed. Derived: one `delete` per key (concurrently). */
  deleteMany?(keys: readonly string[]): MaybePromise<number>;
  /** Optional; atomic: write only if no live entry exists. Derived: `compareAndSet(key, null, …)`. */
  setIfNotExists?(key: string, value: T, ttlMs: number): MaybePromise<boolean>;
  /** Optional; atomic: write only if a live entry exists. Derived: `getVersioned` + `compareAndSet`, retried. */
  setIfExists?(key: string, value: T, ttlMs: number): MaybePromise<boolean>;
  /**
   * Optional: give a live entry a new expiry without rewriting its value (its derived and explicit
   * index memberships follow the new expiry); false on a miss, creating nothing. `updatedAt` and
   * the version are unchanged. Derived: `getVersioned` + `compareAndSet` of the same value (which
   * rewrites it: implement it natively where the backend can, e.g. `PEXPIRE`).
   */
  touch?(key: string, ttlMs: number): MaybePromise<boolean>;
  /** Optional; the count removed. Derived: `scan` + `deleteMany` in batches. */
  deleteByPattern?(glob: CompiledGlob): MaybePromise<number>;

  /**
   * Index primitives, present together when `capabilities.indexes`. Entries leave every index when
   * they go. `addIndex` is false when `key` has no live entry (core then throws `NOT_FOUND`).
   */
  addIndex?(indexName: string, key: string, indexKey: string): MaybePromise<boolean>;
  removeIndex?(indexName: string, key: string, indexKey: string): MaybePromise<void>;
  /** Live keys only. */
  getByIndex?(indexName: string, indexKey: string): MaybePromise<string[]>;
  /** Optional even with indexes; deletes every entry in the set, the count removed. Derived: `getByIndex` + `deleteMany`. */
  deleteByIndex?(indexName: string, indexKey: string): MaybePromise<number>;
  /**
   * Optional: `deleteByIndex` that names what it removed, the keys of the live entries it deleted
   * (in any order). For layers that must tell others exactly which entries left — a tiered cache
   * drops other processes' copies by key; without this it must assume any key may have joined
   * the set meanwhile. Core uses it for `deleteByIndex` (the count) when `deleteByIndex` is absent.
   */
  removeByIndex?(indexName: string, indexKey: string): MaybePromise<readonly string[]>;
  /**
   * Optional introspection for the conformance kit's hygiene checks: the number of index
   * memberships the store holds right now, dead or alive (what its index storage costs), or
   * `undefined` where it cannot tell. A store that filters dead members on read but never frees
   * them fails the hygiene group through this.
   */
  indexFootprint?(): MaybePromise<number | undefined>;

  /**
   * Optional: from now on keep the memberships `indexes.derive` gives for each value in the same
   * atomic step as every write of it (`set`, `setMany`, `setIfNotExists`, `setIfExists`,
   * `compareAndSet`, the store step of `loadThrough`), replacing the entry's memberships in
   * `indexes.names` and leaving other indexes alone; enforce `indexes.limits` in that step too.
   * A `CacheError` thrown by `derive` (or a `reject` limit) refuses the write: nothing is written.
   * Called by `@gocache/indexing`; without it that package falls back to non-atomic reconciliation.
   */
  deriveIndexes?(indexes: DerivedIndexes): void;

  /**
   * Optional: the miss path of `getOrSet` for distributed stores. Core calls it inside its
   * in-process single-flight; without it core does get → load → set. Its duties:
   * - **re-check**: read the key again before loading (another process may have stored it);
   * - **one load across processes** where the store offers it (a lock), with a bounded wait;
   * - **no resurrection across processes**: a removal of the key completed in any process while
   *   the load runs must win, so the store step must be conditional on no removal having happened
   *   (a marker the removals delete, a fenced lock), and must also honour `ctx.shouldStore()`;
   * - **abort**: stop waiting when `ctx.signal` aborts;
   * - **no resource held across the loader**: never keep a pooled connection or transaction open
   *   while `ctx.load()` runs — the loader may itself call the cache (nested loads) and would
   *   deadlock on a pool it cannot get a connection from.
   * A distributed store (`capabilities.distributed`) must implement it: cross-process removal
   * cannot be derived from the other primitives.
   */
  loadThrough?(key: string, ttlMs: number, ctx: LoadThroughContext<T>): Promise<T>;

  /**
   * Optional: this store's single-key writes (`touch` too, where it has it) and `delete` that also
   * publish their invalidation —
   * `{ kind: 'keys', keys: [key] }` for cache `cache` on `bus` — inside the same atomic step: a
   * write only when it wrote, `delete` always (another process may hold a copy of an entry this
   * store no longer has). One round trip for both, and no crash or lost connection can leave the
   * change made and its invalidation unsent. `undefined` where this store cannot publish on `bus`
   * (a bus on another server, or of another kind). While `bus` cannot take such a message (not
   * `'up'`) they fall back to the change, then `bus.publish`: either way one that resolves was
   * published. `@gocache/tiered` uses it for the writes and removals of single keys in its L2.
   */
  publishingWrites?(bus: InvalidationBus, cache: string): PublishingWrites<T> | undefined;

  /** Optional: entry count, where cheap. */
  size?(): MaybePromise<number>;
}

/** `Store.publishingWrites`: the store's own single-key writes and `delete`, each publishing its key. */
export interface PublishingWrites<T> {
  delete(key: string): Promise<boolean>;
  set(key: string, value: T, ttlMs: number): Promise<void>;
  setIfNotExists(key: string, value: T, ttlMs: number): Promise<boolean>;
  setIfExists(key: string, value: T, ttlMs: number): Promise<boolean>;
  compareAndSet(key: string, expected: EntryVersion | null, value: T, ttlMs: number): Promise<boolean>;
  /** Where the store touches natively (`Store.touch`): publishes only when it touched a live entry. */
  touch?(key: string, ttlMs: number): Promise<boolean>;
}

/** A storage backend that makes stores, one per cache. Write one as a factory: `fooProvider(opts)`. */
export interface CacheProvider {
  /** Short name, e.g. `'memory'`, `'redis'`. */
  readonly name: string;
  /** The SPI version the provider implements (`SPECIFICATION_VERSION`). */
  readonly specificationVersion: 1 | 2;
  readonly capabilities: ProviderCapabilities;
  /** Make the store of one cache. Synchronous: connect lazily. Throw `INVALID_ARGUMENT` for bad `providerOptions`. */
  createStore<T>(config: StoreConfig): Store<T>;
  /** Release what the provider owns; a client the user passed in stays open. Idempotent. */
  close(): Promise<void>;
}
