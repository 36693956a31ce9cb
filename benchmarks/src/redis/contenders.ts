import { createKeyv } from '@keyv/redis';
import { BentoCache, bentostore } from 'bentocache';
import { redisDriver } from 'bentocache/drivers/redis';
import { createCache as createCacheManager } from 'cache-manager';
import { Redis } from 'ioredis';
import { createClient } from 'redis';

/**
 * A small object value, the same for every contender. redis-ops stores `{ id, userId, createdAt }`
 * (what the harness stores); other suites may add their own fields.
 */
export interface Value {
  readonly id: number;
  readonly [field: string]: unknown;
}

/** The Promise API every Redis contender is driven through. */
export interface RedisContender {
  readonly name: string;
  get(key: string): Promise<Value | undefined>;
  set(key: string, value: Value): Promise<unknown>;
  /** Values of `keys` in one call (emulated with parallel gets where the library has no batch read). */
  getMany(keys: readonly string[]): Promise<unknown>;
  getOrSet(key: string, loader: () => Value): Promise<Value>;
  /** Read-modify-write of one key (not atomic where the library has no such operation; see `atomicUpdate`). */
  update(key: string, fn: (old: Value | undefined) => Value): Promise<unknown>;
  /** Whether `update` is atomic across concurrent callers (ours is; raw GET+SET and the peers are not). */
  readonly atomicUpdate: boolean;
  /** Ours only: an explicit index membership (`addIndex`), for the indexed-write rows. */
  addIndex?(indexName: string, key: string, indexKey: string): Promise<unknown>;
  close(): Promise<void>;
}

/** Where contenders connect and the prefix every key they write starts with (for cleanup). */
export interface RedisContenderOptions {
  url: string;
  prefix: string;
}

/** The contender names, used as ratio baselines. */
export const RAW_IOREDIS = 'ioredis raw (auto-pipelining)';
export const RAW_NODE_REDIS = 'node-redis raw';
export const RAW_NODE_REDIS_NO_TIMEOUT = 'node-redis raw, no command timeout';
export const OURS_IOREDIS = 'gocache redis (ioredis)';
export const OURS_NODE_REDIS = 'gocache redis (node-redis)';
export const BENTOCACHE = 'bentocache (redis L2)';
export const CACHE_MANAGER = 'cache-manager + @keyv/redis';

const parse = (s: string | null | undefined): Value | undefined => (s == null ? undefined : (JSON.parse(s) as Value));

/** An ioredis client with auto-pipelining: commands issued in one tick share one write. */
function ioredisClient(url: string): Redis {
  return new Redis(url, { enableAutoPipelining: true, lazyConnect: false });
}

/** The three commands a raw floor needs, from either client library. */
interface RawCommands {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<unknown>;
  mget(keys: string[]): Promise<(string | null)[]>;
  close(): void;
}

/** A raw floor: JSON strings with GET/SET/MGET, and a non-atomic get-then-set `update`. */
function rawContender(name: string, prefix: string, r: RawCommands): RedisContender {
  const k = (key: string) => `${prefix}:${key}`;
  return {
    name,
    atomicUpdate: false,
    get: async (key) => parse(await r.get(k(key))),
    set: (key, value) => r.set(k(key), JSON.stringify(value)),
    getMany: async (keys) => (await r.mget(keys.map(k))).map(parse),
    async getOrSet(key, loader) {
      const hit = parse(await r.get(k(key)));
      if (hit !== undefined) return hit;
      const v = loader();
      await r.set(k(key), JSON.stringify(v));
      return v;
    },
    async update(key, fn) {
      const v = fn(parse(await r.get(k(key))));
      await r.set(k(key), JSON.stringify(v));
      return v;
    },
    async close() {
      r.close();
    },
  };
}

/**
 * The raw-client floor: ioredis with auto-pipelining and JSON values, i.e. what an application
 * writes without a cache library. `update` is GET then SET — not atomic, so cheaper than a real
 * read-modify-write; it is a floor, not an equivalent.
 */
export function rawIoredis(opts: RedisContenderOptions): RedisContender {
  const r = ioredisClient(opts.url);
  return rawContender(RAW_IOREDIS, `${opts.prefix}:raw-io`, {
    get: (key) => r.get(key),
    set: (key, value) => r.set(key, value),
    mget: (keys) => r.mget(keys),
    close: () => r.disconnect(),
  });
}

/**
 * The same floor on node-redis (which pipelines commands issued in one tick by itself). With
 * `noTimeout`, the client's own per-command timeout (5 s by default since node-redis 6, an
 * `AbortSignal.timeout` per command) is off, as it is for ours, which bounds calls itself.
 */
async function rawNodeRedis(opts: RedisContenderOptions, noTimeout = false): Promise<RedisContender> {
  const r = createClient({ url: opts.url, ...(noTimeout ? { commandOptions: { timeout: 0 } } : {}) });
  await r.connect();
  return rawContender(
    noTimeout ? RAW_NODE_REDIS_NO_TIMEOUT : RAW_NODE_REDIS,
    `${opts.prefix}:raw-nr${noTimeout ? '0' : ''}`,
    {
      get: (key) => r.get(key),
      set: (key, value) => r.set(key, value),
      mget: (keys) => r.mGet(keys),
      close: () => r.destroy(),
    },
  );
}

/**
 * bentocache with only its Redis (L2) layer — no in-process L1, so every read goes to Redis like
 * everyone else's. It has no batch read and no update: emulated with parallel gets and get+set.
 */
function bentocacheRedis(opts: RedisContenderOptions): RedisContender {
  const connection = ioredisClient(opts.url);
  const bento = new BentoCache({
    default: 'redis',
    prefix: `${opts.prefix}:bento`,
    stores: { redis: bentostore().useL2Layer(redisDriver({ connection, prefix: `${opts.prefix}:bento` })) },
  });
  return {
    name: BENTOCACHE,
    atomicUpdate: false,
    get: (key) => bento.get<Value>({ key }),
    set: (key, value) => bento.set({ key, value }),
    getMany: (keys) => Promise.all(keys.map((key) => bento.get<Value>({ key }))),
    getOrSet: (key, loader) => bento.getOrSet({ key, factory: loader }),
    async update(key, fn) {
      const v = fn(await bento.get<Value>({ key }));
      await bento.set({ key, value: v });
      return v;
    },
    async close() {
      await bento.disconnectAll();
      connection.disconnect();
    },
  };
}

/** cache-manager v7 over Keyv with @keyv/redis (node-redis underneath); update emulated with get+set. */
function cacheManagerRedis(opts: RedisContenderOptions): RedisContender {
  const keyv = createKeyv(opts.url, { namespace: `${opts.prefix}:cm` });
  const c = createCacheManager({ stores: [keyv] });
  return {
    name: CACHE_MANAGER,
    atomicUpdate: false,
    get: async (key) => (await c.get<Value>(key)) ?? undefined,
    set: (key, value) => c.set(key, value),
    getMany: (keys) => c.mget<Value>([...keys]),
    getOrSet: (key, loader) => c.wrap(key, loader),
    async update(key, fn) {
      const v = fn((await c.get<Value>(key)) ?? undefined);
      await c.set(key, v);
      return v;
    },
    async close() {
      await c.disconnect();
    },
  };
}

/**
 * Ours runs with a long per-command timeout: at 256 getMany(100) in flight 25,600 commands queue
 * on one connection, and on a busy machine some wait past the 2 s default. The suite measures
 * throughput at saturation, where the peers and raw clients have no timeout at all.
 */
const SATURATION_TIMEOUT = 60_000;

/**
 * Ours: `createCache` over `redisProvider({ client })`, on an ioredis client with auto-pipelining
 * (like the raw floor it is compared with) or on node-redis. Values are cbor-x encoded in a hash
 * with metadata; `update` is the provider's versioned compare-and-set (atomic across processes).
 */
export async function gocacheRedis(
  opts: RedisContenderOptions,
  client: 'ioredis' | 'node-redis',
): Promise<RedisContender> {
  const { createCache } = await import('@gocache/core');
  const { redisProvider } = await import('@gocache/provider-redis');
  let closeClient: () => void;
  let provider: ReturnType<typeof redisProvider>;
  if (client === 'ioredis') {
    const r = ioredisClient(opts.url);
    closeClient = () => r.disconnect();
    provider = redisProvider({
      client: r,
      prefix: `${opts.prefix}-gc-io`,
      commandTimeout: SATURATION_TIMEOUT,
    });
  } else {
    const r = createClient({ url: opts.url });
    await r.connect();
    closeClient = () => r.destroy();
    provider = redisProvider({ client: r, prefix: `${opts.prefix}-gc-nr`, commandTimeout: SATURATION_TIMEOUT });
  }
  const cache = createCache<Value>(provider, { name: 'bench' });
  return {
    name: client === 'ioredis' ? OURS_IOREDIS : OURS_NODE_REDIS,
    atomicUpdate: true,
    get: (key) => cache.get(key),
    set: (key, value) => cache.set(key, value),
    getMany: (keys) => cache.getMany(keys),
    getOrSet: (key, loader) => cache.getOrSet(key, loader),
    update: (key, fn) => cache.update(key, fn),
    addIndex: (indexName, key, indexKey) => cache.addIndex(indexName, key, indexKey),
    async close() {
      await cache.close();
      await provider.close();
      closeClient();
    },
  };
}

/** Every contender of redis-ops by name, so a child process can build one from its name alone. */
export const CONTENDER_NAMES = [
  OURS_IOREDIS,
  RAW_IOREDIS,
  OURS_NODE_REDIS,
  RAW_NODE_REDIS,
  RAW_NODE_REDIS_NO_TIMEOUT,
  BENTOCACHE,
  CACHE_MANAGER,
] as const;

/** Build the contender called `name` (one of `CONTENDER_NAMES`). */
export async function makeContender(name: string, opts: RedisContenderOptions): Promise<RedisContender> {
  switch (name) {
    case OURS_IOREDIS:
      return gocacheRedis(opts, 'ioredis');
    case RAW_IOREDIS:
      return rawIoredis(opts);
    case OURS_NODE_REDIS:
      return gocacheRedis(opts, 'node-redis');
    case RAW_NODE_REDIS:
      return rawNodeRedis(opts);
    case RAW_NODE_REDIS_NO_TIMEOUT:
      return rawNodeRedis(opts, true);
    case BENTOCACHE:
      return bentocacheRedis(opts);
    case CACHE_MANAGER:
      return cacheManagerRedis(opts);
    default:
      throw new Error(`unknown redis contender ${JSON.stringify(name)}; known: ${CONTENDER_NAMES.join(', ')}`);
  }
}
