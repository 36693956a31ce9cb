import {
  type Cache,
  type CacheEntryMetadata,
  CacheError,
  type Duration,
  isCacheError,
  KeyedQueue,
  type LoaderContext,
  type OpOptions,
  type SetOptions,
} from '@gocache/core';
import { installDerivedIndexes } from './derived-indexes.js';
import { IndexPlan } from './index-plan.js';
import { checkReject, evictOldest, OWN_ERRORS, rejectLocks } from './limits.js';
import { reconcile } from './membership-sync.js';
import { parseQuery, runQuery } from './query.js';
import type { IndexDefinitions, IndexedCache, IndexQuery, WithIndexesOptions } from './types.js';

/** What maintenance functions need to reach behind an `IndexedCache`. */
export interface IndexedInternals<T> {
  readonly inner: Cache<T>;
  readonly plan: IndexPlan<T>;
  readonly mutex: KeyedQueue;
  readonly rounds: number;
  readonly atomic: boolean;
}

const INTERNALS = new WeakMap<object, IndexedInternals<unknown>>();
/** Caches already wrapped: a second plan would silently replace the first in an atomic store. */
const WRAPPED = new WeakSet<object>();

/** The internals of a cache made by `withIndexes`, or `undefined` for any other cache. */
export function indexedInternals<T>(cache: Cache<T>): IndexedInternals<T> | undefined {
  return INTERNALS.get(cache) as IndexedInternals<T> | undefined;
}

/** The in-process lock name of a cache key (index-key locks use another prefix). */
export const keyLock = (key: string): string => `\u0000${key}`;

/**
 * Declare indexes derived from values and get back the cache with its memberships kept in step on
 * every write path, plus typed queries. Index names and the value type flow through, so a typo
 * in a query is a compile error.
 *
 * The cache's provider needs index primitives (native, or `portableIndexes(provider)`). Use the
 * returned cache for every write: writes that bypass it do not update memberships.
 *
 * @example
 * const sessions = withIndexes(createCache<Session>(memoryProvider(), { name: 'sessions' }), {
 *   sessions_by_user: { pattern: 'session:*', by: (s) => s.userId, limit: { max: 5, onExceed: 'evict-oldest' } },
 *   sessions_by_role: { pattern: 'session:*', by: (s) => s.roles },
 * });
 * await sessions.deleteWhere({ index: 'sessions_by_user', key: 'u1' });
 */
export function withIndexes<T, const D extends IndexDefinitions<T>>(
  cache: Cache<T>,
  defs: D,
  options: WithIndexesOptions = {},
): IndexedCache<T, keyof D & string> {
  if (cache === null || typeof cache !== 'object' || typeof cache.getByIndex !== 'function') {
    throw new CacheError('INVALID_ARGUMENT', 'withIndexes needs a Cache<T> made by createCache or a manager', {
      cacheName: '?',
      op: 'withIndexes',
    });
  }
  if (INTERNALS.has(cache) || WRAPPED.has(cache)) {
    throw new CacheError(
      'INVALID_ARGUMENT',
      'this cache already has indexes from withIndexes; declare every index in one call',
      { cacheName: cache.name, op: 'withIndexes' },
    );
  }
  const rounds = options.reconcileRounds ?? 8;
  if (!Number.isSafeInteger(rounds) || rounds < 1) {
    throw new CacheError('INVALID_ARGUMENT', `reconcileRounds must be a whole number ≥ 1, got ${String(rounds)}`, {
      cacheName: cache.name,
      op: 'withIndexes',
    });
  }
  const plan = new IndexPlan<T>(cache.name, defs, 'withIndexes');
  const atomic = installDerivedIndexes(cache, plan);
  WRAPPED.add(cache);
  const indexed = new IndexedCacheImpl<T, keyof D & string>(cache, plan, rounds, atomic);
  INTERNALS.set(indexed, { inner: cache, plan, mutex: indexed.mutex, rounds, atomic } as IndexedInternals<unknown>);
  return indexed;
}

function unwrapOwn(e: unknown): unknown {
  if (
    (isCacheError(e, 'LOADER_FAILED') || isCacheError(e, 'UPDATER_FAILED')) &&
    isCacheError(e.cause) &&
    OWN_ERRORS.has(e.cause)
  ) {
    return e.cause;
  }
  return e;
}

class IndexedCacheImpl<T, N extends string> implements IndexedCache<T, N> {
  readonly name: string;
  readonly indexNames: readonly N[];
  readonly atomicIndexes: boolean;
  /** In-process per-key (and per-limited-index-key) serialisation of the non-atomic write path. */
  readonly mutex = new KeyedQueue();
  readonly #inner: Cache<T>;
  readonly #plan: IndexPlan<T>;
  readonly #rounds: number;

  constructor(inner: Cache<T>, plan: IndexPlan<T>, rounds: number, atomic: boolean) {
    this.name = inner.name;
    this.#inner = inner;
    this.#plan = plan;
    this.#rounds = rounds;
    this.atomicIndexes = atomic;
    this.indexNames = [...plan.names] as N[];
  }

  derive(key: string, value: T): { indexName: N; indexKey: string }[] {
    const pairs = this.#plan.derive(key, value, 'derive');
    const out: { indexName: N; indexKey: string }[] = [];
    for (let i = 0; i + 1 < pairs.length; i += 2) out.push({ indexName: pairs[i] as N, indexKey: pairs[i + 1]! });
    return out;
  }

  // ---- the non-atomic write path --------------------------------------------------------------

  /**
   * Run one write of `key` (whose value derives `want`) under the key's in-process lock: refuse
   * it if a `reject` limit would be exceeded, write, then bring memberships in step and apply
   * `evict-oldest` limits. If the memberships cannot be brought in step, the entry is deleted
   * (fail closed: an entry missing from its index would survive "delete all of X").
   */
  async #write(key: string, want: string[], op: string, write: () => Promise<boolean>): Promise<boolean> {
    return this.mutex.runAll([keyLock(key), ...rejectLocks(this.#plan, want)], async () => {
      await checkReject(this.#inner, this.#plan, new Map([[key, want]]), op);
      if (!(await write())) return false;
      await this.#after(key, want, op);
      return true;
    });
  }

  async #after(key: string, want: string[] | undefined, op: string): Promise<void> {
    let synced: { added: string[] } | undefined;
    try {
      synced = await reconcile(this.#inner, this.#plan, key, want, this.#rounds, op);
    } catch (e) {
      await this.#inner.delete(key).catch(() => {});
      throw e;
    }
    if (synced !== undefined && synced.added.length > 0) await evictOldest(this.#inner, this.#plan, key, synced.added);
  }

  // `set` and the conditional sets are one-line pass-throughs when the store keeps memberships,
  // with the reconciling path in a method of its own: that path's closures capture the arguments,
  // and a function whose arguments are captured allocates their context on every call, fast path
  // or not.

  set(key: string, value: T, ttl?: Duration | SetOptions): Promise<void> {
    if (this.atomicIndexes) return this.#inner.set(key, value, ttl);
    return this.#reconciledSet(key, value, ttl);
  }

  #reconciledSet(key: string, value: T, ttl: Duration | SetOptions | undefined): Promise<void> {
    if (value === undefined || !this.#plan.covers(key)) return this.#inner.set(key, value, ttl);
    let want: string[];
    try {
      want = this.#plan.derive(key, value, 'set');
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#write(key, want, 'set', async () => {
      await this.#inner.set(key, value, ttl);
      return true;
    }).then(() => {});
  }

  setIfNotExists(key: string, value: T, ttl?: Duration | SetOptions): Promise<boolean> {
    return this.#conditional('setIfNotExists', key, value, ttl);
  }

  setIfExists(key: string, value: T, ttl?: Duration | SetOptions): Promise<boolean> {
    return this.#conditional('setIfExists', key, value, ttl);
  }

  #conditional(op: 'setIfNotExists' | 'setIfExists', key: string, value: T, ttl?: Duration | SetOptions) {
    if (this.atomicIndexes) return this.#inner[op](key, value, ttl);
    return this.#reconciledConditional(op, key, value, ttl);
  }

  #reconciledConditional(
    op: 'setIfNotExists' | 'setIfExists',
    key: string,
    value: T,
    ttl: Duration | SetOptions | undefined,
  ): Promise<boolean> {
    if (value === undefined || !this.#plan.covers(key)) return this.#inner[op](key, value, ttl);
    let want: string[];
    try {
      want = this.#plan.derive(key, value, op);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#write(key, want, op, () => this.#inner[op](key, value, ttl));
  }

  async setMany(items: Iterable<readonly [string, T]> | Record<string, T>, ttl?: Duration | SetOptions): Promise<void> {
    if (this.atomicIndexes || items === null || typeof items !== 'object') return this.#inner.setMany(items, ttl);
    const entries: (readonly [string, T])[] =
      Symbol.iterator in items ? [...(items as Iterable<readonly [string, T]>)] : Object.entries(items);
    const wants = new Map<string, string[]>();
    for (const e of entries) {
      // Malformed input: let core refuse it with its usual error.
      if (!Array.isArray(e) || typeof e[0] !== 'string' || e[1] === undefined) return this.#inner.setMany(entries, ttl);
      if (this.#plan.covers(e[0])) wants.set(e[0], this.#plan.derive(e[0], e[1], 'setMany'));
    }
    const locks: string[] = [];
    for (const [k, w] of wants) locks.push(keyLock(k), ...rejectLocks(this.#plan, w));
    await this.mutex.runAll(locks, async () => {
      await checkReject(this.#inner, this.#plan, wants, 'setMany');
      await this.#inner.setMany(entries, ttl);
      await Promise.all([...wants].map(([k, w]) => this.#after(k, w, 'setMany')));
    });
  }

  async update(
    key: string,
    updater: (old: T | undefined, exists: boolean) => T | Promise<T>,
    ttl?: Duration | SetOptions,
  ): Promise<T> {
    if (this.atomicIndexes || typeof updater !== 'function' || !this.#plan.covers(key)) {
      return this.#inner.update(key, updater, ttl);
    }
    return this.mutex.runAll([keyLock(key)], async () => {
      let next: T;
      try {
        next = await this.#inner.update(
          key,
          async (old, exists) => {
            const n = await updater(old, exists);
            if (n !== undefined) await this.#admit(key, n, 'update');
            return n;
          },
          ttl,
        );
      } catch (e) {
        throw unwrapOwn(e);
      }
      await this.#after(key, this.#plan.derive(key, next, 'update'), 'update');
      return next;
    });
  }

  /** Inside a user's updater/loader: derive and check limits, marking our errors so they come out unwrapped. */
  async #admit(key: string, value: T, op: string): Promise<void> {
    try {
      await checkReject(this.#inner, this.#plan, new Map([[key, this.#plan.derive(key, value, op)]]), op);
    } catch (e) {
      if (isCacheError(e)) OWN_ERRORS.add(e);
      throw e;
    }
  }

  async getOrSet(key: string, loader: (ctx: LoaderContext) => T | Promise<T>, ttl?: Duration | SetOptions): Promise<T> {
    if (this.atomicIndexes || typeof loader !== 'function' || !this.#plan.covers(key)) {
      return this.#inner.getOrSet(key, loader, ttl);
    }
    let loaded = false;
    let value: T;
    try {
      value = await this.#inner.getOrSet(
        key,
        async (ctx) => {
          const v = await loader(ctx);
          if (v !== undefined) await this.#admit(key, v, 'getOrSet');
          loaded = true;
          return v;
        },
        ttl,
      );
    } catch (e) {
      throw unwrapOwn(e);
    }
    // Only the caller whose loader ran stored anything; it re-reads, as the load may not have been stored.
    if (loaded) await this.mutex.runAll([keyLock(key)], () => this.#after(key, undefined, 'getOrSet'));
    return value;
  }

  // ---- queries --------------------------------------------------------------------------------

  async keys(query: IndexQuery<N>, opts?: OpOptions): Promise<string[]> {
    const q = parseQuery(this.name, this.#plan, query, 'keys');
    const r = await runQuery(this.#inner, this.#plan, q, !this.atomicIndexes, opts);
    return Array.isArray(r) ? r : [...r.keys()];
  }

  async entries(query: IndexQuery<N>, opts?: OpOptions): Promise<Map<string, T>> {
    const q = parseQuery(this.name, this.#plan, query, 'entries');
    return (await runQuery(this.#inner, this.#plan, q, true, opts)) as Map<string, T>;
  }

  async count(query: IndexQuery<N>, opts?: OpOptions): Promise<number> {
    return (await this.keys(query, opts)).length;
  }

  async deleteWhere(query: IndexQuery<N>, opts?: OpOptions): Promise<number> {
    const q = parseQuery(this.name, this.#plan, query, 'deleteWhere');
    if (q.terms.length === 1) return this.#inner.deleteByIndex(q.terms[0]!.index, q.terms[0]!.key, opts);
    // Candidates without value checks: a stale membership must delete too much, never too little.
    const keys = (await runQuery(this.#inner, this.#plan, q, false, opts)) as string[];
    return keys.length === 0 ? 0 : this.#inner.deleteMany(keys, opts);
  }

  // ---- everything else passes through -----------------------------------------------------------

  get(key: string, opts?: OpOptions): Promise<T | undefined> {
    return this.#inner.get(key, opts);
  }
  delete(key: string, opts?: OpOptions): Promise<boolean> {
    return this.#inner.delete(key, opts);
  }
  clear(opts?: OpOptions): Promise<void> {
    return this.#inner.clear(opts);
  }
  has(key: string, opts?: OpOptions): Promise<boolean> {
    return this.#inner.has(key, opts);
  }
  touch(key: string, ttl?: Duration | SetOptions): Promise<boolean> {
    return this.#inner.touch(key, ttl);
  }
  getMany(keys: readonly string[], opts?: OpOptions): Promise<Map<string, T>> {
    return this.#inner.getMany(keys, opts);
  }
  deleteMany(keys: readonly string[], opts?: OpOptions): Promise<number> {
    return this.#inner.deleteMany(keys, opts);
  }
  addIndex(indexName: string, key: string, indexKey: string, opts?: OpOptions): Promise<void> {
    return this.#inner.addIndex(indexName, key, indexKey, opts);
  }
  removeIndex(indexName: string, key: string, indexKey: string, opts?: OpOptions): Promise<void> {
    return this.#inner.removeIndex(indexName, key, indexKey, opts);
  }
  getByIndex(indexName: string, indexKey: string, opts?: OpOptions): Promise<string[]> {
    return this.#inner.getByIndex(indexName, indexKey, opts);
  }
  deleteByIndex(indexName: string, indexKey: string, opts?: OpOptions): Promise<number> {
    return this.#inner.deleteByIndex(indexName, indexKey, opts);
  }
  getKeysByPattern(pattern: string, opts?: OpOptions): Promise<string[]> {
    return this.#inner.getKeysByPattern(pattern, opts);
  }
  scanKeys(pattern: string, opts?: OpOptions): AsyncIterable<string> {
    return this.#inner.scanKeys(pattern, opts);
  }
  deleteByPattern(pattern: string, opts?: OpOptions): Promise<number> {
    return this.#inner.deleteByPattern(pattern, opts);
  }
  getMetadata(key: string, opts?: OpOptions): Promise<CacheEntryMetadata | undefined> {
    return this.#inner.getMetadata(key, opts);
  }
  close(): Promise<void> {
    return this.#inner.close();
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.#inner.close();
  }
}
