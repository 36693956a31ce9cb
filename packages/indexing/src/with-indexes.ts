import { type Cache, CacheError, extendCache, KeyedQueue, type OpOptions } from '@gocache/core';
import { toDerivedIndexes } from './derived-indexes.js';
import { IndexPlan } from './index-plan.js';
import { parseQuery, runQuery } from './query.js';
import { ReconciledWrites } from './reconciled-writes.js';
import type { IndexDefinitions, IndexedCache, IndexQuery, WithIndexesOptions } from './types.js';

export { keyLock } from './reconciled-writes.js';

/** What maintenance functions need to reach behind an `IndexedCache`. */
export interface IndexedInternals<T> {
  readonly inner: Cache<T>;
  readonly plan: IndexPlan<T>;
  readonly mutex: KeyedQueue;
  readonly rounds: number;
  readonly atomic: boolean;
}

const INTERNALS = new WeakMap<object, IndexedInternals<unknown>>();

/** The internals of a cache made by `withIndexes`, or `undefined` for any other cache. */
export function indexedInternals<T>(cache: Cache<T>): IndexedInternals<T> | undefined {
  return INTERNALS.get(cache) as IndexedInternals<T> | undefined;
}

/**
 * Declare indexes derived from values and get back the cache with its memberships kept in step on
 * every write path, plus typed queries. Index names and the value type flow through, so a typo
 * in a query is a compile error.
 *
 * The cache's provider needs index primitives (native, or `portableIndexes(provider)`). It is
 * installed with core's `extendCache`, so the result is the same cache object, extended: every
 * reference to it writes memberships, and operations the indexes do not touch keep core's path.
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
  if (INTERNALS.has(cache)) {
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
  return extendCache(cache, {
    name: '@gocache/indexing',
    install: (host) => {
      const derived = toDerivedIndexes(cache.name, plan);
      // Atomic: the store derives memberships (and applies limit decisions) in each write's own step,
      // so the cache's writes stay core's own. Otherwise this package wraps them to reconcile.
      const atomic = host.deriveIndexes(derived);
      const writes = atomic ? undefined : new ReconciledWrites(cache, plan, derived, rounds);
      INTERNALS.set(cache, {
        inner: cache,
        plan,
        mutex: writes?.mutex ?? new KeyedQueue(),
        rounds,
        atomic,
      } as IndexedInternals<unknown>);
      return { members: queries<T, keyof D & string>(cache, plan, atomic), wrap: writes?.wrappers() };
    },
  }) as IndexedCache<T, keyof D & string>;
}

/** The members `withIndexes` adds: typed queries over the declared indexes. */
function queries<T, N extends string>(cache: Cache<T>, plan: IndexPlan<T>, atomic: boolean) {
  const keys = async (query: IndexQuery<N>, opts?: OpOptions): Promise<string[]> => {
    const q = parseQuery(cache.name, plan, query, 'keys');
    const r = await runQuery(cache, plan, q, !atomic, opts);
    return Array.isArray(r) ? r : [...r.keys()];
  };
  return {
    indexNames: [...plan.names] as N[],
    atomicIndexes: atomic,
    keys,
    async entries(query: IndexQuery<N>, opts?: OpOptions): Promise<Map<string, T>> {
      const q = parseQuery(cache.name, plan, query, 'entries');
      return (await runQuery(cache, plan, q, true, opts)) as Map<string, T>;
    },
    async count(query: IndexQuery<N>, opts?: OpOptions): Promise<number> {
      return (await keys(query, opts)).length;
    },
    async deleteWhere(query: IndexQuery<N>, opts?: OpOptions): Promise<number> {
      const q = parseQuery(cache.name, plan, query, 'deleteWhere');
      if (q.terms.length === 1) return cache.deleteByIndex(q.terms[0]!.index, q.terms[0]!.key, opts);
      // Candidates without value checks: a stale membership must delete too much, never too little.
      const found = (await runQuery(cache, plan, q, false, opts)) as string[];
      return found.length === 0 ? 0 : cache.deleteMany(found, opts);
    },
    derive(key: string, value: T): { indexName: N; indexKey: string }[] {
      const pairs = plan.derive(key, value, 'derive');
      const out: { indexName: N; indexKey: string }[] = [];
      for (let i = 0; i + 1 < pairs.length; i += 2) out.push({ indexName: pairs[i] as N, indexKey: pairs[i + 1]! });
      return out;
    },
  };
}
