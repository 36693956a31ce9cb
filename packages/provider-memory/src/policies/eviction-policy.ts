/**
 * What an eviction policy is told when it is created for one cache.
 */
export interface PolicyContext {
  /** The cache's entry bound, when it has one (a `maxSize`-only cache has none). */
  readonly maxEntries: number | undefined;
  /** Slots the store has allocated so far; `resize` announces growth. */
  readonly capacity: number;
}

/**
 * Decides which entry leaves when a bounded cache is over its `maxEntries` or `maxSize`.
 *
 * Entries are identified by *slot*: a small integer in `[0, capacity)` that the store reuses after
 * an entry leaves, so a policy can keep its bookkeeping in typed arrays (as lru-cache does) and pay
 * no allocation per entry. Every method runs on the cache's hot path: keep them O(1).
 *
 * Lifecycle of a slot: `insert` → any number of `access`/`update` → `remove` (for any reason:
 * delete, expiry, eviction). The store calls `victim()` only after an insert or
 * overwrite took the cache over a bound, removes the slot it returns (reason `evicted`) and calls
 * `remove` for it. A policy may return the slot it was just told about in `insert`: that is how an
 * admission policy (W-TinyLFU) refuses a newcomer.
 */
export interface EvictionPolicy {
  /** Short name for diagnostics, e.g. `'lru'`. */
  readonly name: string;
  /** The store now uses slots up to `capacity - 1`; grow typed arrays to fit. Never shrinks. */
  resize(capacity: number): void;
  /** A new entry occupies `slot`. `key` lets frequency-based policies remember keys across evictions. */
  insert(slot: number, key: string): void;
  /** A live entry was read. */
  access(slot: number): void;
  /** A live entry was overwritten. */
  update(slot: number): void;
  /** The entry in `slot` left; the slot may be reused by a later `insert`. */
  remove(slot: number): void;
  /** The slot to evict next. Only called while at least one entry is live; must return a live slot. */
  victim(): number;
}

/**
 * Makes a policy for one cache. A factory, not an instance, because every cache needs its own
 * state; `clear()` also discards the policy and asks the factory for a fresh one.
 */
export type EvictionPolicyFactory = (context: PolicyContext) => EvictionPolicy;
