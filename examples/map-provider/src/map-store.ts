import type { CacheEntryMetadata, CompiledGlob, EntryLeaveEvent, LeaveReason, Store, StoreConfig } from '@gocache/core';

/** One stored entry. `version` changes on every write, for `compareAndSet`. */
interface Entry<T> {
  value: T;
  /** Epoch ms; `Infinity` = never. */
  expiresAt: number;
  createdAt: number;
  updatedAt: number;
  version: number;
  hits: number;
  lastAccessedAt: number | undefined;
  /** Memberships as `[indexName, indexKey]` pairs, so a leaving entry can leave every index. */
  indexes: [string, string][];
}

/**
 * The storage of one cache over plain `Map`s. No optimisations: expiry is checked on every read,
 * expired entries are also swept now and then so they do not pile up, and `maxEntries` evicts the
 * oldest-inserted entry (FIFO, `Map` keeps insertion order).
 */
export class MapStore<T> implements Store<T> {
  readonly #config: StoreConfig;
  readonly #entries = new Map<string, Entry<T>>();
  /** indexName → indexKey → keys. */
  readonly #indexes = new Map<string, Map<string, Set<string>>>();
  #version = 0;
  #writesSinceSweep = 0;
  #sizeAfterSweep = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(config: StoreConfig) {
    this.#config = config;
    if (config.cleanupIntervalMs !== undefined) {
      this.#timer = setInterval(() => this.#sweep(), config.cleanupIntervalMs);
      // A cache must never keep the process alive.
      this.#timer.unref();
    }
  }

  get(key: string): T | undefined {
    const e = this.#live(key);
    if (e === undefined) return undefined;
    e.hits++;
    e.lastAccessedAt = this.#config.now();
    return e.value;
  }

  getMany(keys: readonly string[]): (T | undefined)[] {
    return keys.map((k) => this.get(k));
  }

  has(key: string): boolean {
    return this.#live(key) !== undefined;
  }

  set(key: string, value: T, ttlMs: number): void {
    this.#write(key, value, ttlMs);
  }

  setMany(entries: readonly (readonly [string, T])[], ttlMs: number): void {
    for (const [k, v] of entries) this.#write(k, v, ttlMs);
  }

  setIfNotExists(key: string, value: T, ttlMs: number): boolean {
    if (this.#live(key) !== undefined) return false;
    this.#write(key, value, ttlMs);
    return true;
  }

  setIfExists(key: string, value: T, ttlMs: number): boolean {
    if (this.#live(key) === undefined) return false;
    this.#write(key, value, ttlMs);
    return true;
  }

  delete(key: string): boolean {
    if (this.#live(key) === undefined) return false;
    this.#remove(key, 'deleted');
    return true;
  }

  deleteMany(keys: readonly string[]): number {
    let n = 0;
    for (const k of keys) if (this.delete(k)) n++;
    return n;
  }

  clear(): void {
    for (const key of [...this.#entries.keys()]) this.#remove(key, 'cleared');
  }

  getVersioned(key: string): { value: T; version: number } | undefined {
    const e = this.#live(key);
    return e === undefined ? undefined : { value: e.value, version: e.version };
  }

  compareAndSet(key: string, expected: unknown, value: T, ttlMs: number): boolean {
    const e = this.#live(key);
    if (expected === null ? e !== undefined : e?.version !== expected) return false;
    this.#write(key, value, ttlMs);
    return true;
  }

  *scan(glob: CompiledGlob): Iterable<string> {
    // A snapshot, so a caller that deletes while iterating sees every key once.
    for (const key of [...this.#entries.keys()]) {
      if (glob.test(key) && this.#live(key) !== undefined) yield key;
    }
  }

  getMetadata(key: string): CacheEntryMetadata | undefined {
    const e = this.#live(key);
    if (e === undefined) return undefined;
    const meta: CacheEntryMetadata = {
      key,
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
      expiresAt: e.expiresAt === Number.POSITIVE_INFINITY ? null : e.expiresAt,
      hits: e.hits,
      indexes: e.indexes.map(([indexName, indexKey]) => ({ indexName, indexKey })),
    };
    if (e.lastAccessedAt !== undefined) meta.lastAccessedAt = e.lastAccessedAt;
    return meta;
  }

  addIndex(indexName: string, key: string, indexKey: string): boolean {
    const e = this.#live(key);
    if (e === undefined) return false;
    let byKey = this.#indexes.get(indexName);
    if (byKey === undefined) this.#indexes.set(indexName, (byKey = new Map()));
    let keys = byKey.get(indexKey);
    if (keys === undefined) byKey.set(indexKey, (keys = new Set()));
    if (!keys.has(key)) {
      keys.add(key);
      e.indexes.push([indexName, indexKey]);
    }
    return true;
  }

  removeIndex(indexName: string, key: string, indexKey: string): void {
    const e = this.#entries.get(key);
    if (e !== undefined) e.indexes = e.indexes.filter(([n, k]) => n !== indexName || k !== indexKey);
    this.#unindex(indexName, indexKey, key);
  }

  getByIndex(indexName: string, indexKey: string): string[] {
    const keys = this.#indexes.get(indexName)?.get(indexKey);
    if (keys === undefined) return [];
    // #live drops expired members (and their memberships) on the way.
    return [...keys].filter((k) => this.#live(k) !== undefined);
  }

  deleteByIndex(indexName: string, indexKey: string): number {
    let n = 0;
    for (const key of this.getByIndex(indexName, indexKey)) if (this.delete(key)) n++;
    return n;
  }

  size(): number {
    this.#sweep();
    return this.#entries.size;
  }

  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const key of [...this.#entries.keys()]) this.#remove(key, 'closed');
  }

  /** The entry if it is live; an expired one is removed (and reported) on sight. */
  #live(key: string): Entry<T> | undefined {
    const e = this.#entries.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt <= this.#config.now()) {
      this.#remove(key, 'expired');
      return undefined;
    }
    return e;
  }

  #write(key: string, value: T, ttlMs: number): void {
    const now = this.#config.now();
    const prev = this.#live(key);
    if (prev !== undefined) {
      // An overwrite keeps the entry's identity: createdAt and index memberships stay.
      this.#emit(key, 'replaced', prev.value);
      prev.value = value;
      prev.expiresAt = now + ttlMs;
      prev.updatedAt = now;
      prev.version = ++this.#version;
      return;
    }
    this.#entries.set(key, {
      value,
      expiresAt: now + ttlMs,
      createdAt: now,
      updatedAt: now,
      version: ++this.#version,
      hits: 0,
      lastAccessedAt: undefined,
      indexes: [],
    });
    this.#afterInsert(key);
  }

  #afterInsert(key: string): void {
    // Sweep after as many inserts as there were entries: O(1) amortised per write.
    if (++this.#writesSinceSweep >= Math.max(64, this.#sizeAfterSweep)) this.#sweep();
    const max = this.#config.maxEntries;
    if (max === undefined) return;
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= max) break;
      if (oldest !== key) this.#remove(oldest, 'evicted');
    }
  }

  /** Drop every expired entry: amortised over writes, or on the cleanup timer. */
  #sweep(): void {
    this.#writesSinceSweep = 0;
    for (const key of [...this.#entries.keys()]) this.#live(key);
    this.#sizeAfterSweep = this.#entries.size;
  }

  #remove(key: string, reason: LeaveReason): void {
    const e = this.#entries.get(key);
    if (e === undefined) return;
    this.#entries.delete(key);
    for (const [indexName, indexKey] of e.indexes) this.#unindex(indexName, indexKey, key);
    this.#emit(key, reason, e.value);
  }

  #unindex(indexName: string, indexKey: string, key: string): void {
    const byKey = this.#indexes.get(indexName);
    const keys = byKey?.get(indexKey);
    if (byKey === undefined || keys === undefined) return;
    keys.delete(key);
    // Empty sets and maps go too, so index storage does not grow as entries churn.
    if (keys.size === 0) byKey.delete(indexKey);
    if (byKey.size === 0) this.#indexes.delete(indexName);
  }

  #emit(key: string, reason: LeaveReason, value: T): void {
    const onLeave = this.#config.onLeave;
    if (onLeave === undefined) return;
    const event: EntryLeaveEvent = { cacheName: this.#config.name, key, reason, value };
    onLeave(event);
  }

  /** For tests: how many index sets exist (hygiene is measured, not assumed). */
  indexSetCount(): number {
    let n = 0;
    for (const byKey of this.#indexes.values()) n += byKey.size;
    return n;
  }
}
