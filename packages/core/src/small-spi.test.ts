import { memoryProvider } from '@gocache/provider-memory';
import { afterAll, describe, expect, it } from 'vitest';
import { describeConformance } from './conformance/index.js';
import { createCache, REQUIRED_METHODS } from './create-cache.js';
import { CacheError, isCacheError, storeError } from './errors.js';
import { inspectStore } from './inspect.js';
import type { CacheProvider, Store, StoreConfig } from './spi.js';

const REQUIRED: ReadonlySet<string> = new Set(REQUIRED_METHODS);

/** `store` with some methods replaced (the others still bound to the store, whose fields are private). */
function override<T>(store: Store<T>, methods: Partial<Record<keyof Store<T>, unknown>>): Store<T> {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && prop in methods) return methods[prop as keyof Store<T>];
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/** The memory provider with its store cut down to `keep`: every other method is absent, so core derives it. */
function cutDown(keep: ReadonlySet<string>, extra: Partial<CacheProvider> = {}): CacheProvider {
  const inner = memoryProvider();
  return {
    ...inner,
    name: 'cut-down',
    specificationVersion: 2,
    capabilities: { ...inner.capabilities, indexes: keep.has('addIndex'), derivedIndexes: keep.has('deriveIndexes') },
    createStore<T>(config: StoreConfig): Store<T> {
      const store = inner.createStore<T>(config) as unknown as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const m of keep) {
        const f = store[m];
        if (typeof f === 'function') out[m] = f.bind(store);
      }
      return out as unknown as Store<T>;
    },
    ...extra,
  };
}

describe('a store with only the required methods', () => {
  // The whole kit over a store that implements nothing derivable: every fallback is core's.
  const provider = cutDown(REQUIRED);
  describeConformance({
    name: 'required methods only',
    createCache: (o) => createCache(provider, o),
    capabilities: provider.capabilities,
    runner: { describe, it, afterAll },
    teardown: () => provider.close(),
  });
});

describe('a store with index primitives but no deleteByIndex', () => {
  const provider = cutDown(new Set([...REQUIRED, 'addIndex', 'removeIndex', 'getByIndex']));
  it('deleteByIndex is derived from getByIndex + deleteMany', async () => {
    const cache = createCache<string>(provider, { name: 'derived-dbi' });
    await cache.setMany([
      ['s:1', 'a'],
      ['s:2', 'b'],
      ['s:3', 'c'],
    ]);
    await cache.addIndex('by_user', 's:1', 'u1');
    await cache.addIndex('by_user', 's:2', 'u1');
    expect(await cache.deleteByIndex('by_user', 'u1')).toBe(2);
    expect([...(await cache.getMany(['s:1', 's:2', 's:3'])).keys()]).toEqual(['s:3']);
    await cache.close();
  });
});

describe('touch', () => {
  it('gives a live entry a new expiry, keeps the value, and is false on a miss (native and derived)', async () => {
    let now = 1_000_000;
    for (const provider of [memoryProvider(), cutDown(REQUIRED)]) {
      const cache = createCache<{ n: number }>(provider, { name: 'touchy', clock: { now: () => now } });
      await cache.set('k', { n: 1 }, 1_000);
      now += 900;
      expect(await cache.touch('k', 1_000)).toBe(true);
      now += 900;
      expect(await cache.get('k')).toEqual({ n: 1 });
      const meta = await cache.getMetadata('k');
      expect(meta?.expiresAt).toBe(now - 900 + 1_000);
      now += 200;
      expect(await cache.get('k')).toBeUndefined();
      expect(await cache.touch('k')).toBe(false);
      expect(await cache.has('k')).toBe(false);
      expect(await cache.touch('never', 1_000)).toBe(false);
      expect(await cache.has('never')).toBe(false);
      await cache.close();
    }
  });

  it('defaults to the cache TTL and validates its arguments like set', async () => {
    let now = 0;
    const cache = createCache<string>(memoryProvider(), { name: 't2', ttl: 5_000, clock: { now: () => now } });
    await cache.set('k', 'v', 100);
    expect(await cache.touch('k')).toBe(true);
    expect((await cache.getMetadata('k'))?.expiresAt).toBe(5_000);
    now = 10;
    expect(await cache.touch('k', { ttl: Number.POSITIVE_INFINITY })).toBe(true);
    expect((await cache.getMetadata('k'))?.expiresAt).toBeNull();
    await expect(cache.touch('k', 0)).rejects.toSatisfy((e) => isCacheError(e, 'INVALID_TTL'));
    await expect(cache.touch('', 10)).rejects.toSatisfy((e) => isCacheError(e, 'INVALID_KEY'));
    expect(await cache.get('k')).toBe('v');
    await cache.close();
    await expect(cache.touch('k')).rejects.toSatisfy((e) => isCacheError(e, 'CLOSED'));
  });
});

describe('what core hands a store is checked, and what a store throws gets context', () => {
  it('a bare storeError is re-issued with the cache, operation and key', async () => {
    const provider = cutDown(REQUIRED);
    const failing: CacheProvider = {
      ...provider,
      createStore<T>(config: StoreConfig): Store<T> {
        const store = provider.createStore<T>(config);
        return {
          ...store,
          get: () => {
            throw storeError('UNAVAILABLE', 'the database is down; retry later', new Error('ECONNREFUSED'));
          },
        };
      },
    };
    const cache = createCache<string>(failing, { name: 'ctx' });
    const e = await cache.get('user:1').catch((x: unknown) => x);
    expect(isCacheError(e, 'UNAVAILABLE')).toBe(true);
    const ce = e as CacheError;
    expect([ce.cacheName, ce.op, ce.key]).toEqual(['ctx', 'get', 'user:1']);
    expect(ce.message).toBe('[UNAVAILABLE] cache "ctx" get("user:1"): the database is down; retry later');
    expect((ce.cause as Error).message).toBe('ECONNREFUSED');
    await cache.close();
  });

  it('maxEntries on a provider that does not evict is refused, not silently ignored', () => {
    const provider = cutDown(REQUIRED);
    const noEviction = { ...provider, capabilities: { ...provider.capabilities, eviction: false } };
    expect(() => createCache(noEviction, { name: 'bounded', maxEntries: 2 })).toThrow(
      /maxEntries is set but provider "cut-down" neither evicts entries \(capabilities\.eviction\) nor bounds a local copy.*a tiered cache needs an L1 that evicts/,
    );
    expect(() => createCache(memoryProvider(), { name: 'bounded', maxEntries: 2 })).not.toThrow();
  });

  it('maxEntries reaches the store of a provider that bounds a local copy (localBound)', async () => {
    const provider = cutDown(REQUIRED);
    const seen: (number | undefined)[] = [];
    const local = {
      ...provider,
      capabilities: { ...provider.capabilities, eviction: false, localBound: true },
      createStore<T>(config: StoreConfig): Store<T> {
        seen.push(config.maxEntries);
        return provider.createStore<T>(config);
      },
    };
    const cache = createCache(local, { name: 'local', maxEntries: 2 });
    expect(seen).toEqual([2]);
    await cache.close();
  });

  it('refuses a provider that claims eviction and localBound together', () => {
    const both = { ...memoryProvider(), name: 'both' };
    const claiming = { ...both, capabilities: { ...both.capabilities, localBound: true } };
    let error: unknown;
    try {
      createCache(claiming, { name: 'contradiction' });
    } catch (e) {
      error = e;
    }
    expect(isCacheError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect((error as CacheError).message).toMatch(
      /provider "both" claims both capabilities\.eviction and capabilities\.localBound, which exclude each other/,
    );
    expect((error as CacheError).cacheName).toBe('contradiction');
  });

  it('a clock that returns NaN never reaches the store', async () => {
    expect(() => createCache<string>(memoryProvider(), { name: 'c0', clock: { now: () => Number.NaN } })).toThrow(
      /clock.now\(\) returned number NaN/,
    );
    let now = 1_000;
    const cache = createCache<string>(memoryProvider(), { name: 'clocked', clock: { now: () => now } });
    now = Number.NaN;
    const e = await cache.set('k', 'v', 1_000).catch((x: unknown) => x);
    expect(isCacheError(e, 'INVALID_ARGUMENT')).toBe(true);
    expect((e as Error).message).toMatch(/clock.now\(\) returned number NaN; it must return epoch milliseconds/);
    now = 2_000;
    expect(await cache.get('k')).toBeUndefined();
    await cache.close();
  });

  it('a version-1 store must have every version-1 method; a version-2 store only the required ones', () => {
    const v1 = { ...cutDown(REQUIRED), specificationVersion: 1 as const };
    expect(() => createCache(v1, { name: 'old' })).toThrow(/SPI version 1\) made a store without has, getMany/);
    const broken = cutDown(new Set([...REQUIRED].filter((m) => m !== 'getVersioned')));
    expect(() => createCache(broken, { name: 'broken' })).toThrow(/made a store without getVersioned/);
  });

  it('setMany hands the store each key once, with its last value', async () => {
    const seen: (readonly (readonly [string, unknown])[])[] = [];
    const inner = memoryProvider();
    const spying: CacheProvider = {
      ...inner,
      createStore<T>(config: StoreConfig): Store<T> {
        const store = inner.createStore<T>(config);
        return override(store, {
          setMany: (entries: readonly (readonly [string, T])[], ttlMs: number) => {
            seen.push(entries);
            return store.setMany!(entries, ttlMs);
          },
        });
      },
    };
    const cache = createCache<number>(spying, { name: 'dups' });
    await cache.setMany([
      ['a', 1],
      ['b', 2],
      ['a', 3],
    ]);
    expect(seen).toEqual([
      [
        ['a', 3],
        ['b', 2],
      ],
    ]);
    expect(await cache.get('a')).toBe(3);
    await cache.close();
  });

  it('a non-CacheError thrown inside core is reported as a core bug, not as a middleware refusal', async () => {
    const inner = memoryProvider();
    const odd: CacheProvider = {
      ...inner,
      createStore<T>(config: StoreConfig): Store<T> {
        const store = inner.createStore<T>(config);
        // A scan that yields something core cannot iterate makes core's own loop throw a TypeError.
        return override(store, { scan: () => 42 as never });
      },
    };
    const cache = createCache<number>(odd, {
      name: 'bug',
      middleware: [(_ctx, next) => next()],
    });
    const e = await cache.getKeysByPattern('*').catch((x: unknown) => x);
    expect(isCacheError(e)).toBe(true);
    expect((e as CacheError).code).not.toBe('ACCESS_DENIED');
    await cache.close();
  });
});

it('errors made by storeError carry no context until core adds it', () => {
  const e = storeError('TIMEOUT', 'the query took too long');
  expect(e).toBeInstanceOf(CacheError);
  expect(e.message).toBe('[TIMEOUT] the query took too long');
});

it('inspectStore measures what a store can tell, and nothing of a non-cache', async () => {
  const cache = createCache<string>(cutDown(REQUIRED), { name: 'inspected' });
  expect(await inspectStore(cache)!.indexFootprint()).toBeUndefined();
  expect(inspectStore({ get: () => 1 })).toBeUndefined();
  expect(inspectStore(null)).toBeUndefined();
  await cache.close();
});
