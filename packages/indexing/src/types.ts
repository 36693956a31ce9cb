import type { Cache, OpOptions } from '@gocache/core';

/** What `by` may return: one index key, several, or none (`null`/`undefined`/`[]`). */
export type IndexKeys = string | readonly string[] | null | undefined;

/** A cap on how many entries one index key may hold, e.g. "at most 5 sessions per user". */
export interface IndexLimit {
  /** Most entries one index key may hold (a positive whole number). */
  max: number;
  /**
   * What a write that would exceed `max` does: `'evict-oldest'` deletes the oldest entries of
   * that index key (by creation time) until it fits; `'reject'` refuses the write with
   * `ACCESS_DENIED` and writes nothing.
   */
  onExceed: 'evict-oldest' | 'reject';
}

/** One declarative index: which keys it covers and how a value maps to index keys. */
export interface IndexDefinition<T> {
  /** Glob (Redis syntax) of the cache keys this index covers, e.g. `'session:*'`. */
  pattern: string;
  /**
   * The index keys of a value: a string, several, or none. Must be pure and fast (it runs on every
   * write of a matching key); an exception refuses the write with `INVALID_VALUE`.
   */
  by: (value: T, key: string) => IndexKeys;
  /** Optional cap per index key. @default none */
  limit?: IndexLimit | undefined;
}

/** Index name → definition. Names are 1–128 of `A-Z a-z 0-9 _ - . :`. */
export type IndexDefinitions<T> = Readonly<Record<string, IndexDefinition<T>>>;

/** One term of a query: the entries of `index` under `key`. */
export interface IndexTerm<N extends string> {
  index: N;
  key: string;
}

/**
 * A query: one term, the intersection of several (`all`), or their union (`any`).
 * @example { all: [{ index: 'sessions_by_user', key: 'u1' }, { index: 'sessions_by_device', key: 'd9' }] }
 */
export type IndexQuery<N extends string> =
  | IndexTerm<N>
  | { all: readonly IndexTerm<N>[] }
  | { any: readonly IndexTerm<N>[] };

/** Options of `withIndexes`. */
export interface WithIndexesOptions {
  /**
   * Reconcile rounds after a write in the non-atomic mode: re-read value and memberships and fix
   * them until they agree (only writers in other processes cause more than one).
   * @default 8
   */
  reconcileRounds?: number | undefined;
}

/**
 * A `Cache<T>` whose declared indexes follow its values, plus typed queries. Every write path
 * (set, setMany, update, getOrSet, setIfExists/setIfNotExists) moves the entry to the index keys
 * its new value derives; deletes, expiry, eviction and clear take it out (the store does that).
 */
export interface IndexedCache<T, N extends string> extends Cache<T> {
  /** The declared index names. */
  readonly indexNames: readonly N[];
  /** True when the store keeps a write and its memberships in one atomic step (see README). */
  readonly atomicIndexes: boolean;
  /** Keys of live entries matching the query (sorted). Never a key whose entry is gone. */
  keys(query: IndexQuery<N>, opts?: OpOptions): Promise<string[]>;
  /** Entries matching the query, fetched with one `getMany`. */
  entries(query: IndexQuery<N>, opts?: OpOptions): Promise<Map<string, T>>;
  /** How many live entries match the query. */
  count(query: IndexQuery<N>, opts?: OpOptions): Promise<number>;
  /** Delete every entry matching the query; the count removed. */
  deleteWhere(query: IndexQuery<N>, opts?: OpOptions): Promise<number>;
  /** The index keys `by` derives for `value` at `key`, per index (what a write would store). */
  derive(key: string, value: T): { indexName: N; indexKey: string }[];
}
