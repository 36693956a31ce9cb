import type { CacheHooks } from './hooks.js';
import type { CacheMetrics } from './metrics.js';
import type { Middleware } from './middleware.js';

/** Milliseconds, or a string such as `'250ms'`, `'5s'`, `'15m'`, `'24h'`, `'7d'`, `'1h30m'`; `Infinity` = never. */
export type Duration = number | string;

/** Options every operation accepts. */
export interface OpOptions {
  /** Abort the operation; an already-aborted signal rejects with `ABORTED` before any I/O. */
  signal?: AbortSignal | undefined;
  /** Per-call attributes handed to middleware and hooks (e.g. a caller id for rate limiting). */
  attributes?: Record<string, unknown> | undefined;
}

/** Options of operations that write. */
export interface SetOptions extends OpOptions {
  /** Time to live; omitted → the cache's default. `Infinity` → never expires. */
  ttl?: Duration | undefined;
  /** For `getOrSet`/`update`: give up on the loader/updater after this long (`TIMEOUT`). */
  timeout?: Duration | undefined;
}

/**
 * Options of `getOrSet`: stale-while-revalidate and fail-safe, for every provider. A value loaded
 * with `grace` is stored for `ttl + grace`; after `ttl` every read but `getOrSet` sees a miss.
 */
export interface GetOrSetOptions extends SetOptions {
  /**
   * After `ttl`, for this long, `getOrSet` returns the stale value at once and refreshes it in the
   * background (one refresh per key, across processes on a distributed store); a refresh whose
   * loader fails keeps the stale value served (fail-safe) and is reported to `onError` and metrics.
   */
  grace?: Duration | undefined;
  /** With a stale value: wait this long for its refresh before answering with the stale value. @default 0 */
  softTimeout?: Duration | undefined;
  /** A loader slower than this rejects with `TIMEOUT` (a refresh keeps the stale value) and frees waiters and locks. Overrides `timeout`. */
  hardTimeout?: Duration | undefined;
}

/** What a `getOrSet` loader receives. */
export interface LoaderContext {
  key: string;
  /** Aborts when every waiter has aborted, the load timed out, or the cache closed. */
  signal: AbortSignal;
}

/** What is known about one live entry. */
export interface CacheEntryMetadata {
  key: string;
  /** Epoch ms of the first write of this entry. */
  createdAt: number;
  /** Epoch ms of the last write. */
  updatedAt: number;
  /** Epoch ms; `null` = no expiry. */
  expiresAt: number | null;
  /** Where the provider tracks it. */
  lastAccessedAt?: number;
  /** Where the provider tracks it. */
  hits?: number;
  /** Serialized or estimated size, where known. */
  sizeBytes?: number;
  indexes: { indexName: string; indexKey: string }[];
}

/** Why an entry left the cache, as reported to `onEvict`. */
export type EvictReason = 'expired' | 'evicted' | 'deleted' | 'cleared';

/** A typed cache over one provider, in its own namespace. Safe for any number of concurrent callers. */
export interface Cache<T> {
  /** The cache's name, which is also its namespace. */
  readonly name: string;

  /** The value, or `undefined` on a miss. */
  get(key: string, opts?: OpOptions): Promise<T | undefined>;
  /** Store a value (`undefined` is refused with `INVALID_VALUE`). */
  set(key: string, value: T, ttl?: Duration | SetOptions): Promise<void>;
  /** True when an entry was removed. */
  delete(key: string, opts?: OpOptions): Promise<boolean>;
  /** Remove every entry of this cache's namespace (and nothing else). */
  clear(opts?: OpOptions): Promise<void>;
  has(key: string, opts?: OpOptions): Promise<boolean>;
  /**
   * Give a live entry a new expiry (the cache's default TTL when omitted) without rewriting its
   * value; its index memberships follow. False on a miss, and nothing is created. Session stores
   * call it on every request.
   */
  touch(key: string, ttl?: Duration | SetOptions): Promise<boolean>;

  /**
   * The cached value, or the loader's result stored and returned. Concurrent callers for one key
   * share one loader call. A loader that throws rejects every waiter with `LOADER_FAILED`.
   */
  getOrSet(key: string, loader: (ctx: LoaderContext) => T | Promise<T>, ttl?: Duration | GetOrSetOptions): Promise<T>;
  /** Atomic read-modify-write; resolves to the value written. */
  update(
    key: string,
    updater: (old: T | undefined, exists: boolean) => T | Promise<T>,
    ttl?: Duration | SetOptions,
  ): Promise<T>;

  /** Found keys only. */
  getMany(keys: readonly string[], opts?: OpOptions): Promise<Map<string, T>>;
  setMany(items: Iterable<readonly [string, T]> | Record<string, T>, ttl?: Duration | SetOptions): Promise<void>;
  /** The count actually removed. */
  deleteMany(keys: readonly string[], opts?: OpOptions): Promise<number>;

  /** Add `key` to `indexName` under `indexKey`; `NOT_FOUND` if the entry does not exist. */
  addIndex(indexName: string, key: string, indexKey: string, opts?: OpOptions): Promise<void>;
  removeIndex(indexName: string, key: string, indexKey: string, opts?: OpOptions): Promise<void>;
  /** Keys of live entries in the index set (never a key whose entry is gone). */
  getByIndex(indexName: string, indexKey: string, opts?: OpOptions): Promise<string[]>;
  /** Delete every entry in the index set; the count removed. */
  deleteByIndex(indexName: string, indexKey: string, opts?: OpOptions): Promise<number>;

  /** Atomic; true when it wrote. */
  setIfNotExists(key: string, value: T, ttl?: Duration | SetOptions): Promise<boolean>;
  /** Atomic; true when it wrote. */
  setIfExists(key: string, value: T, ttl?: Duration | SetOptions): Promise<boolean>;

  /** Keys matching a Redis-style glob (`*`, `?`, `[a-z]`, `[^a]`, `\` escapes). */
  getKeysByPattern(pattern: string, opts?: OpOptions): Promise<string[]>;
  /** The streaming form of `getKeysByPattern`, for large key spaces. */
  scanKeys(pattern: string, opts?: OpOptions): AsyncIterable<string>;
  /** The count removed. */
  deleteByPattern(pattern: string, opts?: OpOptions): Promise<number>;

  /** `undefined` for a missing or expired key. */
  getMetadata(key: string, opts?: OpOptions): Promise<CacheEntryMetadata | undefined>;

  /** Idempotent. Afterwards every call rejects with `CLOSED`. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A clock in epoch milliseconds. Injectable so TTL logic is testable without sleeping. */
export interface Clock {
  now(): number;
}

/** Options of one cache. Provider-specific settings go under `providerOptions`. */
export interface CacheOptions<T, P = unknown> {
  /** Name and namespace: 1–128 of `A-Z a-z 0-9 _ - . :`. */
  name: string;
  /**
   * Default TTL for writes that give none.
   * @default Infinity (no expiry)
   */
  ttl?: Duration | undefined;
  /**
   * Upper bound on entries, where the provider evicts (`capabilities.eviction`). On a tiered
   * cache (`capabilities.localBound`) it bounds each process's in-memory copy (L1) instead; the
   * shared tier keeps every entry. Refused (`INVALID_ARGUMENT`) by any other provider.
   * @default unbounded
   */
  maxEntries?: number | undefined;
  /** Background cleanup period for expired entries, where the provider has one. */
  cleanupInterval?: Duration | undefined;
  /** Declared indexes: index name → glob a key must match to join it. */
  indexes?: Record<string, string> | undefined;
  hooks?: CacheHooks<T> | undefined;
  /** Outermost first. */
  middleware?: readonly Middleware[] | undefined;
  metrics?: CacheMetrics | undefined;
  /**
   * `'none'` stores values by reference; `'structured'` stores and returns structured clones.
   * @default 'none'
   */
  clone?: 'none' | 'structured' | undefined;
  /**
   * Maximum key length in UTF-8 bytes.
   * @default 1024
   */
  maxKeyLength?: number | undefined;
  /**
   * Maximum glob pattern length in characters.
   * @default 1024
   */
  maxPatternLength?: number | undefined;
  /** Default loader timeout for `getOrSet`. @default none */
  loaderTimeout?: Duration | undefined;
  /** Default updater timeout for `update`. @default none */
  updaterTimeout?: Duration | undefined;
  /**
   * Optimistic `update` attempts before `CONFLICT` (only cross-process races retry).
   * @default 16
   */
  updateRetries?: number | undefined;
  /**
   * Report backend failures of reads (`get`, `has`, `getMany`, `getMetadata`) as misses.
   * Only for pure caches: a session store must not read "no session" out of an outage.
   * @default false
   */
  errorsAsMisses?: boolean | undefined;
  /** Clock for TTLs. @default Date */
  clock?: Clock | undefined;
  /** Settings only the chosen provider understands. */
  providerOptions?: P | undefined;
}
