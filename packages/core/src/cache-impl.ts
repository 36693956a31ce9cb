import { CacheArgs } from './cache-args.js';
import { CacheCore, type ResolvedCacheConfig } from './cache-core.js';
import type { Call, Loader, Updater } from './call.js';
import { EXTEND, type ExtensionHost } from './extend.js';
import { GetOrSet } from './get-or-set.js';
import { GraceOps } from './grace-ops.js';
import { IndexOps } from './index-ops.js';
import { INSPECT, type StoreInspection } from './inspect.js';
import { PatternOps } from './pattern-ops.js';
import type { DerivedIndexes, MaybePromise, PublishingWrites } from './spi.js';
import type { Cache, CacheEntryMetadata, Duration, GetOrSetOptions, OpOptions, SetOptions } from './types.js';
import { Updates } from './update-op.js';
import { checkValue } from './validate.js';

export type { ResolvedCacheConfig } from './cache-core.js';

/**
 * The `Cache<T>` core builds over any provider's store. Each public operation is written once:
 * it checks its arguments, makes its `Call` and hands its step to the envelope the cache chose
 * when it was built (lean, metered, or the middleware pipeline).
 */
export class CacheImpl<T> implements Cache<T> {
  readonly name: string;
  readonly #k: CacheCore<T>;
  readonly #loads: GetOrSet<T>;
  readonly #updates: Updates<T>;
  readonly #index: IndexOps<T>;
  readonly #pattern: PatternOps<T>;
  readonly #args: CacheArgs<T>;
  readonly #grace: GraceOps<T>;
  #closing: Promise<void> | undefined;

  constructor(config: ResolvedCacheConfig) {
    this.name = config.name;
    this.#k = new CacheCore<T>(config);
    this.#loads = new GetOrSet(this.#k);
    this.#updates = new Updates(this.#k);
    this.#index = new IndexOps(this.#k);
    this.#pattern = new PatternOps(this.#k);
    this.#args = new CacheArgs(this.#k);
    this.#grace = new GraceOps(this.#k);
  }

  #run<R>(prepare: () => Call, step: (c: Call) => MaybePromise<R>): Promise<R> {
    let c: Call;
    try {
      c = prepare();
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#k.invoke(c, step);
  }

  // ---- reads ----------------------------------------------------------------------------------

  get(key: string, opts?: OpOptions): Promise<T | undefined> {
    const k = this.#k;
    if (k.bare && opts === undefined && this.#args.plain(key)) {
      try {
        return k.settle('get', key, this.#read(key));
      } catch (e) {
        return Promise.reject(k.faultAt(e, 'get', key));
      }
    }
    let c: Call;
    try {
      c = this.#args.keyed('get', key, opts);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#k.invoke(c, this.#get);
  }

  #get = (c: Call): MaybePromise<T | undefined> => this.#read(c.key!);

  /** `get`'s step on the bare key: the store's value as the caller sees it. */
  #read(key: string): MaybePromise<T | undefined> {
    const k = this.#k;
    let v: T | undefined | Promise<T | undefined>;
    try {
      v = k.store.get(key);
    } catch (e) {
      return k.readFailed(e, 'get', key);
    }
    if (v instanceof Promise) {
      return v.then(
        (x) => k.found(k.live(x)),
        (e: unknown) => k.found(k.readFailed(e, 'get', key)),
      );
    }
    return k.found(k.live(v));
  }

  has(key: string, opts?: OpOptions): Promise<boolean> {
    return this.#run(
      () => this.#args.keyed('has', key, opts),
      async (c) => {
        try {
          return await (this.#k.graceSeen ? this.#grace.has(c) : this.#k.full.has(c.key!));
        } catch (e) {
          return this.#k.readFailed(e, 'has', c.key) ?? false;
        }
      },
    );
  }

  getMetadata(key: string, opts?: OpOptions): Promise<CacheEntryMetadata | undefined> {
    return this.#run(
      () => this.#args.keyed('getMetadata', key, opts),
      async (c) => {
        try {
          return await (this.#k.graceSeen ? this.#grace.getMetadata(c) : this.#k.store.getMetadata(c.key!));
        } catch (e) {
          return this.#k.readFailed(e, 'getMetadata', c.key);
        }
      },
    );
  }

  getMany(keys: readonly string[], opts?: OpOptions): Promise<Map<string, T>> {
    return this.#run(
      () => this.#args.keys('getMany', keys, opts),
      async (c) => {
        const k = this.#k;
        const ks = c.keys!;
        const out = new Map<string, T>();
        if (ks.length === 0) return out;
        let vals: (T | undefined)[];
        try {
          vals = await k.full.getMany(ks);
        } catch (e) {
          vals = k.readFailed(e, 'getMany', undefined) ?? [];
        }
        for (let i = 0; i < ks.length; i++) {
          const v = k.found(k.live(vals[i]));
          if (v !== undefined) out.set(ks[i]!, v);
        }
        return out;
      },
    );
  }

  // ---- writes ---------------------------------------------------------------------------------

  set(key: string, value: T, ttl?: Duration | SetOptions): Promise<void> {
    const k = this.#k;
    if (k.bare && ttl === undefined && this.#args.plain(key)) {
      try {
        checkValue(value, this.name, 'set', key);
        return k.settle('set', key, this.#write(key, value, k.c.defaultTtlMs));
      } catch (e) {
        return Promise.reject(k.faultAt(e, 'set', key));
      }
    }
    let c: Call;
    try {
      c = this.#args.write('set', key, value, ttl);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#k.invoke(c, this.#set);
  }

  #set = (c: Call): MaybePromise<void> => this.#write(c.key!, c.value as T, c.ttlMs);

  /** `set`'s step on the bare key. */
  #write(key: string, value: T, ttlMs: number): MaybePromise<void> {
    const k = this.#k;
    if (k.flights.size > 0) k.flights.invalidate(key);
    let r: MaybePromise<void>;
    try {
      r = k.store.set(key, k.in(value), ttlMs);
    } catch (e) {
      throw k.wrap(e, 'set', key);
    }
    return r instanceof Promise ? r.catch((e: unknown) => Promise.reject(k.wrap(e, 'set', key))) : r;
  }

  setIfNotExists(key: string, value: T, ttl?: Duration | SetOptions): Promise<boolean> {
    return this.#run(() => this.#args.write('setIfNotExists', key, value, ttl), this.#conditional);
  }

  setIfExists(key: string, value: T, ttl?: Duration | SetOptions): Promise<boolean> {
    return this.#run(() => this.#args.write('setIfExists', key, value, ttl), this.#conditional);
  }

  #conditional = async (c: Call): Promise<boolean> => {
    const k = this.#k;
    const key = c.key!;
    const v = k.in(c.value as T);
    const wrote = await k.via(c.op, key, () =>
      k.graceSeen
        ? this.#grace.conditional(c, v)
        : c.op === 'setIfNotExists'
          ? k.full.setIfNotExists(key, v, c.ttlMs)
          : k.full.setIfExists(key, v, c.ttlMs),
    );
    if (wrote && k.flights.size > 0) k.flights.invalidate(key);
    return wrote;
  };

  touch(key: string, ttl?: Duration | SetOptions): Promise<boolean> {
    return this.#run(
      () => this.#args.touch(key, ttl),
      (c) =>
        this.#k.via('touch', c.key, () =>
          this.#k.graceSeen ? this.#grace.touch(c) : this.#k.full.touch(c.key!, c.ttlMs),
        ),
    );
  }

  setMany(items: Iterable<readonly [string, T]> | Record<string, T>, ttl?: Duration | SetOptions): Promise<void> {
    return this.#run(
      () => this.#args.setMany(items, ttl),
      async (c) => {
        const k = this.#k;
        const es = c.entries as [string, T][];
        if (es.length === 0) return;
        if (k.flights.size > 0) for (const [key] of es) k.flights.invalidate(key);
        const stored = k.clone ? es.map(([key, v]) => [key, k.in(v)] as const) : es;
        await k.via('setMany', undefined, () => k.full.setMany(stored, c.ttlMs));
      },
    );
  }

  // ---- removals -------------------------------------------------------------------------------

  delete(key: string, opts?: OpOptions): Promise<boolean> {
    return this.#run(
      () => this.#args.keyed('delete', key, opts),
      (c) => {
        const k = this.#k;
        if (k.flights.size > 0) k.flights.invalidate(c.key!);
        return k.via('delete', c.key, () => k.store.delete(c.key!));
      },
    );
  }

  deleteMany(keys: readonly string[], opts?: OpOptions): Promise<number> {
    return this.#run(
      () => this.#args.keys('deleteMany', keys, opts),
      (c) => {
        const k = this.#k;
        const ks = c.keys!;
        if (ks.length === 0) return 0;
        if (k.flights.size > 0) for (const key of ks) k.flights.invalidate(key);
        return k.via('deleteMany', undefined, () => k.full.deleteMany(ks));
      },
    );
  }

  clear(opts?: OpOptions): Promise<void> {
    return this.#run(
      () => this.#args.unkeyed('clear', opts),
      () => {
        const k = this.#k;
        k.flights.invalidateWhere();
        return k.via('clear', undefined, () => k.store.clear());
      },
    );
  }

  // ---- getOrSet and update ----------------------------------------------------------------------

  getOrSet(key: string, loader: Loader<T>, ttl?: Duration | GetOrSetOptions): Promise<T> {
    const k = this.#k;
    if (
      k.bare &&
      this.#loads.syncStore &&
      ttl === undefined &&
      k.flights.size === 0 &&
      typeof loader === 'function' &&
      this.#args.plain(key)
    ) {
      // A synchronous hit needs no Call: the same read and judgement as the step's, on the bare key.
      try {
        const hit = this.#loads.syncHit(key);
        if (hit !== undefined) return Promise.resolve(hit);
      } catch (e) {
        return Promise.reject(k.faultAt(e, 'getOrSet', key));
      }
    }
    return this.#run(() => this.#args.getOrSet(key, loader, ttl), this.#loads.step);
  }

  update(key: string, updater: Updater<T>, ttl?: Duration | SetOptions): Promise<T> {
    return this.#run(() => this.#args.update(key, updater, ttl), this.#updates.step);
  }

  // ---- indexes and patterns ---------------------------------------------------------------------

  addIndex(indexName: string, key: string, indexKey: string, opts?: OpOptions): Promise<void> {
    return this.#run(() => this.#index.prepare('addIndex', indexName, indexKey, key, opts), this.#index.add);
  }

  removeIndex(indexName: string, key: string, indexKey: string, opts?: OpOptions): Promise<void> {
    return this.#run(() => this.#index.prepare('removeIndex', indexName, indexKey, key, opts), this.#index.remove);
  }

  getByIndex(indexName: string, indexKey: string, opts?: OpOptions): Promise<string[]> {
    return this.#run(() => this.#index.prepare('getByIndex', indexName, indexKey, undefined, opts), this.#index.get);
  }

  deleteByIndex(indexName: string, indexKey: string, opts?: OpOptions): Promise<number> {
    return this.#run(
      () => this.#index.prepare('deleteByIndex', indexName, indexKey, undefined, opts),
      this.#index.delete,
    );
  }

  getKeysByPattern(pattern: string, opts?: OpOptions): Promise<string[]> {
    return this.#run(() => this.#pattern.prepare('getKeysByPattern', pattern, opts), this.#pattern.keys);
  }

  scanKeys(pattern: string, opts?: OpOptions): AsyncIterable<string> {
    return { [Symbol.asyncIterator]: () => this.#pattern.scan(pattern, opts) };
  }

  deleteByPattern(pattern: string, opts?: OpOptions): Promise<number> {
    return this.#run(() => this.#pattern.prepare('deleteByPattern', pattern, opts), this.#pattern.delete);
  }

  // ---- extension points and lifecycle -----------------------------------------------------------

  /** Hand the store memberships to keep with every write (an extension's host); false when it cannot. */
  #deriveIndexes(indexes: DerivedIndexes): boolean {
    const store = this.#k.store;
    if (this.#k.closed || store.deriveIndexes === undefined) return false;
    store.deriveIndexes(indexes);
    this.#k.derivedIndexes = true;
    return true;
  }

  /** Names of the extensions installed by `extendCache`. */
  #extensions: Set<string> | undefined;

  /** `extendCache`'s entry: record the extension's name and hand it its host. */
  [EXTEND](name: string): ExtensionHost<T> {
    const k = this.#k;
    const fail = (m: string) => k.err('INVALID_ARGUMENT', 'extendCache', m);
    if (k.closed) throw k.closedError('extendCache');
    const names = (this.#extensions ??= new Set());
    if (names.has(name))
      throw fail(`extension "${name}" is already installed on this cache; install it once, with everything it needs`);
    names.add(name);
    return {
      cache: this,
      deriveIndexes: (indexes) => {
        if (k.derivedIndexes)
          throw fail(
            `the store already keeps derived indexes for another extension; extension "${name}" cannot add its own`,
          );
        return this.#deriveIndexes(indexes);
      },
    };
  }

  /** What the conformance kit may measure of the store (`inspectStore`). */
  [INSPECT](): StoreInspection {
    const store = this.#k.store;
    const full = this.#k.full;
    return {
      indexFootprint: async () => (store.indexFootprint === undefined ? undefined : await store.indexFootprint()),
      nativeTouch: store.touch !== undefined,
      removeByIndex:
        store.removeByIndex === undefined
          ? undefined
          : async (indexName, indexKey) => [...(await store.removeByIndex!(indexName, indexKey))],
      getEntry: async (key) => await full.getEntry(key),
      publishingWrites: (bus) => store.publishingWrites?.(bus, this.name) as PublishingWrites<unknown> | undefined,
    };
  }

  /** Entry count, where the provider can tell. */
  async entryCount(): Promise<number | undefined> {
    const store = this.#k.store;
    if (this.#k.closed || store.size === undefined) return undefined;
    return store.size();
  }

  close(): Promise<void> {
    this.#closing ??= this.#doClose();
    return this.#closing;
  }

  async #doClose(): Promise<void> {
    const k = this.#k;
    k.closed = true;
    k.flights.abandonAll(() =>
      k.err('CLOSED', 'getOrSet', 'the cache closed while the loader ran; nothing was stored'),
    );
    try {
      await k.store.close();
    } finally {
      await k.c.onClose?.();
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
