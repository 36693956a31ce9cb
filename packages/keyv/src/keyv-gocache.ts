import { EventEmitter } from 'node:events';
import { type Cache, CacheError } from '@gocache/core';
import type { KeyvStoreAdapter, StoredData } from 'keyv';
import { KeySpace } from './key-space.js';
import { type KeyvGocacheOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { type MappedTtl, mapKeyvTtl } from './ttl.js';

/** `KeyvGocache.opts`: what Keyv (and `@keyv/test-suite`) read from a store. */
export interface KeyvGocacheOpts extends ResolvedOptions {
  /**
   * `'redis'`: Keyv 5 enables `keyv.iterator()` only for stores whose `opts.dialect` is on its own
   * list (sqlite, postgres, mysql, mongo, redis, valkey, etcd) and reads nothing else from it.
   * gocache iterates any provider (through `scanKeys`), so the adapter names a listed dialect.
   */
  dialect: 'redis';
  /** `gocache://<cache name>`, for logs; Keyv reads it only when the dialect is not on its list. */
  url: string;
  /** The current Keyv namespace. */
  namespace: string | undefined;
  /** Keyv's test suite sets this on the store; the adapter ignores it (Keyv deserializes). */
  [other: string]: unknown;
}

const CACHE_METHODS = [
  'get',
  'getMany',
  'set',
  'setMany',
  'delete',
  'deleteMany',
  'has',
  'clear',
  'scanKeys',
  'deleteByPattern',
];

function isCache(cache: unknown): cache is Cache<unknown> {
  if (typeof cache !== 'object' || cache === null || typeof (cache as { name?: unknown }).name !== 'string')
    return false;
  return CACHE_METHODS.every((m) => typeof (cache as Record<string, unknown>)[m] === 'function');
}

/** One entry of `setMany`, as Keyv passes it. */
export interface KeyvGocacheEntry {
  key: string;
  value: unknown;
  /** Milliseconds; see the TTL table in the README. */
  ttl?: number | undefined;
}

/**
 * A Keyv storage adapter over any gocache `Cache`: `new Keyv({ store: new KeyvGocache(cache) })`.
 * It stores what Keyv hands it (a serialized string, or the raw `{ value, expires }` envelope when
 * Keyv's serialization is off, as cache-manager has it) and maps Keyv's TTLs and namespaces onto
 * gocache. Read failures are emitted as `error` (Keyv swallows them otherwise) and rethrown.
 */
export class KeyvGocache extends EventEmitter implements Omit<KeyvStoreAdapter, 'setMany'> {
  /** The gocache cache this adapter reads and writes. Not closed by the adapter: you own it. */
  readonly cache: Cache<unknown>;
  readonly opts: KeyvGocacheOpts;
  private space: KeySpace;

  constructor(cache: Cache<unknown>, options?: KeyvGocacheOptions) {
    super();
    if (!isCache(cache)) {
      throw new CacheError(
        'INVALID_ARGUMENT',
        `new KeyvGocache(cache) needs a gocache Cache, got ${cache === null ? 'null' : typeof cache}; make one with createCache(memoryProvider(), { name }) or manager.newCache(...)`,
        { cacheName: '?', op: 'KeyvGocache' },
      );
    }
    const resolved = resolveOptions(cache.name, options);
    this.cache = cache;
    this.space = new KeySpace(undefined, resolved.keyPrefixSeparator, cache.name);
    this.opts = { ...resolved, dialect: 'redis', url: `gocache://${cache.name}`, namespace: undefined };
  }

  /** Keyv's namespace; Keyv sets it when the store is attached and when `keyv.namespace` changes. */
  get namespace(): string | undefined {
    return this.space.namespace;
  }

  set namespace(namespace: string | undefined) {
    this.space = new KeySpace(namespace, this.opts.keyPrefixSeparator, this.cache.name);
    this.opts.namespace = this.space.namespace;
  }

  /** The stored value (Keyv's string or `{ value, expires }`), `undefined` on a miss; a failure is emitted and rejects. */
  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    return this.read(() => this.cache.get(this.space.toCacheKey(key))) as Promise<StoredData<Value> | undefined>;
  }

  /** One gocache `getMany` (one round trip on Redis); `undefined` at each miss. */
  async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    const cacheKeys = keys.map((k) => this.space.toCacheKey(k));
    const found = await this.read(() => this.cache.getMany(cacheKeys));
    return cacheKeys.map((k) => found.get(k) as StoredData<Value | undefined>);
  }

  /** Whether a live entry exists. */
  async has(key: string): Promise<boolean> {
    return this.read(() => this.cache.has(this.space.toCacheKey(key)));
  }

  /** `has` for each key. */
  async hasMany(keys: string[]): Promise<boolean[]> {
    return this.read(() => Promise.all(keys.map((k) => this.cache.has(this.space.toCacheKey(k)))));
  }

  /** Store `value` with Keyv's TTL mapped as the README's table says; resolves `true`. */
  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    const cacheKey = this.space.toCacheKey(key);
    const mapped = this.mapTtl(ttl, 'set', cacheKey);
    if (mapped.kind === 'delete') await this.cache.delete(cacheKey);
    else await this.cache.set(cacheKey, value, mapped.ttl);
    return true;
  }

  /**
   * Entries are grouped by TTL into one gocache `setMany` each; an entry with TTL ≤ 0 is deleted.
   * Resolves to one `true` per entry, which `keyv.setMany` passes on (Keyv's adapter type says
   * `void` here, while `keyv.setMany` promises `boolean[]`).
   */
  async setMany(entries: KeyvGocacheEntry[]): Promise<boolean[]> {
    // Validate every TTL before writing anything; the last write of a repeated key wins.
    const last = new Map<string, { value: unknown; ttl: MappedTtl }>();
    for (const { key, value, ttl } of entries) {
      const cacheKey = this.space.toCacheKey(key);
      last.delete(cacheKey);
      last.set(cacheKey, { value, ttl: this.mapTtl(ttl, 'setMany', cacheKey) });
    }
    const groups = new Map<number | undefined, [string, unknown][]>();
    const deletes: string[] = [];
    for (const [cacheKey, { value, ttl }] of last) {
      if (ttl.kind === 'delete') {
        deletes.push(cacheKey);
        continue;
      }
      const group = groups.get(ttl.ttl);
      if (group === undefined) groups.set(ttl.ttl, [[cacheKey, value]]);
      else group.push([cacheKey, value]);
    }
    const writes: Promise<unknown>[] = [...groups].map(([ttl, items]) =>
      ttl === undefined ? this.cache.setMany(items) : this.cache.setMany(items, { ttl }),
    );
    if (deletes.length > 0) writes.push(this.cache.deleteMany(deletes));
    await Promise.all(writes);
    return entries.map(() => true);
  }

  /** True when an entry was removed. */
  async delete(key: string): Promise<boolean> {
    return this.cache.delete(this.space.toCacheKey(key));
  }

  /** True when at least one of the keys was deleted. */
  async deleteMany(keys: string[]): Promise<boolean> {
    return (await this.cache.deleteMany(keys.map((k) => this.space.toCacheKey(k)))) > 0;
  }

  /** Deletes this namespace's keys only; without a namespace, clears the whole gocache cache. */
  async clear(): Promise<void> {
    if (this.space.namespace === undefined) await this.cache.clear();
    else await this.cache.deleteByPattern(this.space.pattern());
  }

  /**
   * `[key, stored value]` for every live key of `namespace` (Keyv passes its own), keys as Keyv
   * gave them to `set`. Walks the cache with `scanKeys`, reading values in batches.
   */
  async *iterator<Value>(namespace?: string): AsyncGenerator<[string, Value], void> {
    const space =
      namespace === this.space.namespace
        ? this.space
        : new KeySpace(namespace, this.opts.keyPrefixSeparator, this.cache.name);
    try {
      let batch: string[] = [];
      for await (const cacheKey of this.cache.scanKeys(space.pattern())) {
        batch.push(cacheKey);
        if (batch.length < this.opts.iterationBatchSize) continue;
        yield* this.readBatch<Value>(space, batch);
        batch = [];
      }
      if (batch.length > 0) yield* this.readBatch<Value>(space, batch);
    } catch (error) {
      this.emitError(error);
      throw error;
    }
  }

  private async *readBatch<Value>(space: KeySpace, cacheKeys: string[]): AsyncGenerator<[string, Value], void> {
    const found = await this.cache.getMany(cacheKeys);
    // A key that expired or was deleted between the scan and the read is skipped.
    for (const [cacheKey, value] of found) yield [space.toKeyvKey(cacheKey), value as Value];
  }

  private mapTtl(ttl: unknown, op: string, key: string): MappedTtl {
    return mapKeyvTtl(ttl, this.opts.defaultTtl, { cacheName: this.cache.name, op, key });
  }

  /**
   * Keyv's `get` catches a store's error and returns `undefined` (unless `throwOnErrors`), and it
   * emits nothing for reads: without this, an outage would read as a miss. Writes need no help:
   * Keyv emits their errors itself.
   */
  private async read<R>(op: () => Promise<R>): Promise<R> {
    try {
      return await op();
    } catch (error) {
      this.emitError(error);
      throw error;
    }
  }

  private emitError(error: unknown): void {
    // Node's EventEmitter throws an unheard 'error'; the caller rethrows it anyway.
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }
}
