import { memoryProvider } from '@gocache/provider-memory';
import { describe, expect, it } from 'vitest';
import { installDerivedIndexes } from './conformance/derived-indexes.js';
import { createCache } from './create-cache.js';
import { CacheError, isCacheError } from './errors.js';
import { extendCache } from './extend.js';
import type { CacheProvider, DerivedIndexes, Store } from './spi.js';
import type { Cache } from './types.js';

/** A memory store that also takes derived indexes, applying them on `set` and `compareAndSet`. */
function derivingProvider(): { provider: CacheProvider; installed: DerivedIndexes[] } {
  const inner = memoryProvider();
  const installed: DerivedIndexes[] = [];
  const provider: CacheProvider = {
    ...inner,
    name: 'deriving',
    createStore<T>(config: Parameters<CacheProvider['createStore']>[0]): Store<T> {
      const store = inner.createStore<T>(config);
      let d: DerivedIndexes | undefined;
      const apply = (key: string, value: T) => {
        const pairs = d?.derive(key, value) ?? [];
        for (let i = 0; i < pairs.length; i += 2) store.addIndex!(pairs[i]!, key, pairs[i + 1]!);
      };
      const overrides: Partial<Store<T>> = {
        deriveIndexes(x: DerivedIndexes) {
          d = x;
          installed.push(x);
        },
        set(key: string, value: T, ttlMs: number) {
          d?.derive(key, value);
          store.set(key, value, ttlMs);
          apply(key, value);
        },
        compareAndSet(key: string, expected: unknown, value: T, ttlMs: number) {
          d?.derive(key, value);
          const ok = store.compareAndSet(key, expected, value, ttlMs) as boolean;
          if (ok) apply(key, value);
          return ok;
        },
      };
      return new Proxy(store, {
        get(target, prop) {
          if (prop in overrides) return overrides[prop as keyof Store<T>];
          const v = Reflect.get(target, prop, target);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      });
    },
  };
  return { provider, installed };
}

const byOwner: DerivedIndexes = {
  names: new Set(['by_owner']),
  limits: new Map(),
  derive: (key, value) => {
    const owner = (value as { owner?: unknown }).owner;
    if (owner === 'refuse') {
      throw new CacheError('INVALID_VALUE', 'refused by derive', { cacheName: 'd', op: 'set', key });
    }
    return typeof owner === 'string' ? ['by_owner', owner] : [];
  },
  overLimit: (key) => {
    throw new CacheError('ACCESS_DENIED', 'limit', { cacheName: 'd', op: 'set', key });
  },
};

const useDerived = (cache: Cache<never>, d: DerivedIndexes): boolean => installDerivedIndexes(cache as never, d);

describe('ExtensionHost.deriveIndexes', () => {
  it('hands the derived indexes to a store that has the primitive; its writes then carry memberships', async () => {
    const { provider, installed } = derivingProvider();
    const cache = createCache<{ owner: string }>(provider, { name: 'd' });
    expect(useDerived(cache as never, byOwner)).toBe(true);
    expect(installed).toEqual([byOwner]);
    await cache.set('a', { owner: 'u1' });
    await cache.update('b', () => ({ owner: 'u1' }));
    await cache.getOrSet('c', () => ({ owner: 'u2' }));
    expect((await cache.getByIndex('by_owner', 'u1')).sort()).toEqual(['a', 'b']);
    expect(await cache.getByIndex('by_owner', 'u2')).toEqual(['c']);
    await cache.close();
  });

  it('a CacheError thrown by derive inside the store reaches the caller unchanged and nothing is written', async () => {
    const { provider } = derivingProvider();
    const cache = createCache<{ owner: string }>(provider, { name: 'd' });
    useDerived(cache as never, byOwner);
    const e = await cache.set('a', { owner: 'refuse' }).catch((x: unknown) => x);
    expect(isCacheError(e, 'INVALID_VALUE')).toBe(true);
    expect((e as CacheError).message).toMatch(/refused by derive/);
    expect(await cache.has('a')).toBe(false);
    const u = await cache.update('b', () => ({ owner: 'refuse' })).catch((x: unknown) => x);
    expect(isCacheError(u, 'INVALID_VALUE')).toBe(true);
    expect(await cache.has('b')).toBe(false);
    await cache.close();
  });

  it('is false for a store without the primitive; a closed cache and anything not made by core are refused', async () => {
    const mem = memoryProvider();
    // A provider whose stores lack the primitive, whatever the memory provider offers.
    const without: CacheProvider = {
      ...mem,
      createStore<T>(config: Parameters<CacheProvider['createStore']>[0]): Store<T> {
        const store = mem.createStore<T>(config);
        return new Proxy(store, {
          get(target, prop) {
            if (prop === 'deriveIndexes') return undefined;
            const v = Reflect.get(target, prop, target);
            return typeof v === 'function' ? v.bind(target) : v;
          },
        });
      },
    };
    const plain = createCache<number>(without, { name: 'p' });
    expect(useDerived(plain as never, byOwner)).toBe(false);
    await plain.set('k', 1);
    expect(await plain.get('k')).toBe(1);
    await plain.close();
    const { provider } = derivingProvider();
    const closed = createCache<number>(provider, { name: 'c' });
    await closed.close();
    expect(() => useDerived(closed as never, byOwner)).toThrow(/closed/);
    expect(() => useDerived({} as never, byOwner)).toThrow(/made by createCache/);
    expect(() => useDerived(null as never, byOwner)).toThrow(/made by createCache/);
  });
});

describe('extendCache', () => {
  it('adds members, replaces only the wrapped writes, and leaves every other operation as core built it', async () => {
    const cache = createCache<number>(memoryProvider(), { name: 'x' });
    const get = cache.get;
    const seen: string[] = [];
    const ext = extendCache(cache, {
      name: 'audit',
      install: (host) => ({
        members: {
          doubled: async (key: string) => 2 * ((await host.cache.get(key)) ?? 0),
        },
        wrap: {
          set: (next) => (key, value, ttl) => {
            seen.push(key);
            return next(key, value, ttl);
          },
        },
      }),
    });
    expect(ext).toBe(cache);
    expect(ext.get).toBe(get);
    await ext.set('a', 21);
    expect(seen).toEqual(['a']);
    expect(await ext.doubled('a')).toBe(42);
    await ext.setMany([['b', 1]]); // not wrapped
    expect(seen).toEqual(['a']);
    await cache.close();
  });

  it('refuses a second install of a name, a shadowing member, an unwrappable operation and a malformed extension', async () => {
    const cache = createCache<number>(memoryProvider(), { name: 'x' });
    extendCache(cache, { name: 'one', install: () => ({ members: {} }) });
    const refusal = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(isCacheError(e, 'INVALID_ARGUMENT')).toBe(true);
        expect((e as CacheError).cacheName).toBe('x');
        return (e as Error).message;
      }
      throw new Error('expected INVALID_ARGUMENT');
    };
    expect(refusal(() => extendCache(cache, { name: 'one', install: () => ({ members: {} }) }))).toMatch(
      /already installed/,
    );
    expect(refusal(() => extendCache(cache, { name: 'two', install: () => ({ members: { get: 1 } }) }))).toMatch(
      /shadow/,
    );
    expect(
      refusal(() =>
        extendCache(cache, { name: 'three', install: () => ({ members: {}, wrap: { get: () => 1 } as never }) }),
      ),
    ).toMatch(/only set, setMany/);
    expect(refusal(() => extendCache(cache, { name: '', install: () => ({ members: {} }) }))).toMatch(/name/);
    expect(refusal(() => extendCache(cache, { name: 'four', install: () => undefined as never }))).toMatch(
      /install must return/,
    );
    await cache.close();
  });

  it('gives the store derived indexes for one extension only', async () => {
    const { provider } = derivingProvider();
    const cache = createCache<{ owner: string }>(provider, { name: 'd' });
    expect(useDerived(cache as never, byOwner)).toBe(true);
    const second = () =>
      extendCache(cache, { name: 'second', install: (host) => ({ members: { took: host.deriveIndexes(byOwner) } }) });
    expect(second).toThrow(/already keeps derived indexes/);
    await cache.close();
  });
});
