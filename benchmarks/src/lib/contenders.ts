import { storeConfig } from '@gocache/core/store-kit';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { createCache as createCacheManager } from 'cache-manager';
import { Keyv } from 'keyv';
import { LRUCache } from 'lru-cache';

/** A small value, the same object shape for every contender. */
export interface Value {
  readonly id: number;
  readonly name: string;
}

/**
 * The common Promise API every contender is driven through. Every method returns a promise and is
 * awaited, so the raw `Map` floor measures exactly the cost of a Promise API with no cache logic.
 */
export interface Contender {
  readonly name: string;
  get(key: string): Promise<Value | undefined>;
  set(key: string, value: Value): Promise<unknown>;
  getOrSet(key: string, loader: () => Value): Promise<Value>;
  close(): Promise<void>;
}

/** What every contender is built with: room for `capacity` entries, and a TTL when `ttlMs` is given. */
export interface ContenderOptions {
  capacity: number;
  /** Every entry's TTL (lru-cache's `ttl`, gocache's `ttl`); none when absent. */
  ttlMs?: number;
}

/** A `Map` behind `async` functions: the floor for any Promise-returning cache API. */
function mapFloor(): Contender {
  const m = new Map<string, Value>();
  return {
    name: 'map floor',
    async get(key) {
      return m.get(key);
    },
    async set(key, value) {
      m.set(key, value);
    },
    async getOrSet(key, loader) {
      const v = m.get(key);
      if (v !== undefined) return v;
      const nv = loader();
      m.set(key, nv);
      return nv;
    },
    async close() {
      m.clear();
    },
  };
}

/**
 * lru-cache (synchronous) behind the same async wrapper as the floor; getOrSet is get-then-set,
 * which is what an application writes around it (its `fetch` needs a cache-wide `fetchMethod`).
 */
function lruCache(opts: ContenderOptions, exact = false): Contender {
  const c = new LRUCache<string, Value>({
    max: opts.capacity,
    ...(opts.ttlMs === undefined ? {} : { ttl: opts.ttlMs }),
    // lru-cache's documented setting for checking the current time on every staleness test: by
    // default (ttlResolution 1) it reads the clock at most once per millisecond of timer time, so
    // while the event loop is busy it keeps using the clock it read last and serves expired entries.
    ...(exact ? { ttlResolution: 0 } : {}),
  });
  return {
    name: exact ? LRU_EXACT : 'lru-cache',
    async get(key) {
      return c.get(key);
    },
    async set(key, value) {
      c.set(key, value);
    },
    async getOrSet(key, loader) {
      const v = c.get(key);
      if (v !== undefined) return v;
      const nv = loader();
      c.set(key, nv);
      return nv;
    },
    async close() {
      c.clear();
    },
  };
}

/**
 * cache-manager v7 over its default in-memory Keyv, with Keyv's JSON serialization switched off as
 * cache-manager's README recommends for in-memory object values (the faster, fairer setting).
 */
function cacheManager(): Contender {
  const keyv = new Keyv<Value>();
  keyv.serialize = undefined;
  keyv.deserialize = undefined;
  const c = createCacheManager({ stores: [keyv] });
  return {
    name: 'cache-manager',
    // Returned as is: an extra `.then` would add a promise hop the other contenders do not pay.
    get: (key) => c.get<Value>(key),
    set: (key, value) => c.set(key, value),
    getOrSet: (key, loader) => c.wrap(key, loader),
    async close() {
      await c.disconnect();
    },
  };
}

/** bentocache with a memory (L1) store only, values kept as objects (`serialize: false`). */
function bentocache(opts: ContenderOptions): Contender {
  const bento = new BentoCache({
    default: 'memory',
    stores: {
      memory: bentostore().useL1Layer(memoryDriver({ maxItems: opts.capacity, serialize: false })),
    },
  });
  return {
    name: 'bentocache',
    get: (key) => bento.get<Value>({ key }),
    set: (key, value) => bento.set({ key, value }),
    getOrSet: (key, loader) => bento.getOrSet({ key, factory: loader }),
    async close() {
      await bento.disconnectAll();
    },
  };
}

/** Ours: `createCache` over `memoryProvider()` with the default policy, bounded like the others. */
async function gocacheMemory(opts: ContenderOptions & { policy?: string }): Promise<Contender> {
  const { createCache } = await import('@gocache/core');
  const { memoryProvider } = await import('@gocache/provider-memory');
  const cache = createCache<Value>(memoryProvider(), {
    name: `bench-${Math.random().toString(36).slice(2, 8)}`,
    maxEntries: opts.capacity,
    ...(opts.ttlMs === undefined ? {} : { ttl: opts.ttlMs }),
    ...(opts.policy === undefined ? {} : { providerOptions: { policy: opts.policy } }),
  });
  return {
    name: 'gocache memory',
    get: (key) => cache.get(key),
    set: (key, value) => cache.set(key, value),
    getOrSet: (key, loader) => cache.getOrSet(key, loader),
    close: () => cache.close(),
  };
}

/**
 * A diagnostic, not a product: the memory provider's store (the SPI, synchronous) behind the same
 * async wrapper as the floor and lru-cache, with no `Cache<T>` around it. Ours minus this is the
 * core wrapper's cost; this minus lru-cache is the store's.
 */
async function memoryStoreBare(opts: ContenderOptions & { ttlMs: number }): Promise<Contender> {
  const { memoryProvider } = await import('@gocache/provider-memory');
  const provider = memoryProvider();
  const store = provider.createStore<Value>(
    storeConfig({
      name: 'bare',
      maxEntries: opts.capacity,
    }),
  );
  const get = (key: string) => store.get(key) as Value | undefined;
  return {
    name: 'memory store (no core)',
    async get(key) {
      return get(key);
    },
    async set(key, value) {
      store.set(key, value, opts.ttlMs);
    },
    async getOrSet(key, loader) {
      const v = get(key);
      if (v !== undefined) return v;
      const nv = loader();
      store.set(key, nv, opts.ttlMs);
      return nv;
    },
    close: () => provider.close(),
  };
}

/**
 * The floor, lru-cache and ours, with `maxEntries`/`max` and a TTL: what a real user configures.
 * The floor stays a bare `Map` (no bound, no expiry): it is the cost of the async API alone. The
 * memory store without core is there to tell the store's time from the core wrapper's.
 */
/** lru-cache with exact expiry (`ttlResolution: 0`), the guarantee gocache keeps on every read. */
export const LRU_EXACT = 'lru-cache, exact expiry';

export async function boundedTtlContenders(opts: ContenderOptions & { ttlMs: number }): Promise<Contender[]> {
  return [mapFloor(), lruCache(opts), lruCache(opts, true), await memoryStoreBare(opts), await gocacheMemory(opts)];
}

/** Every contender of the throughput suites, floor first. */
export async function allContenders(opts: ContenderOptions): Promise<Contender[]> {
  return [mapFloor(), lruCache(opts), cacheManager(), bentocache(opts), await gocacheMemory(opts)];
}
