import { memoryProvider } from '@gocache/provider-memory';
import { describe, expect, it } from 'vitest';
import { createCache } from './create-cache.js';
import { useDerivedIndexes } from './derived-indexes.js';
import { CacheError, isCacheError } from './errors.js';
import type { CacheProvider, DerivedIndexes, Store } from './spi.js';

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

describe('useDerivedIndexes', () => {
  it('hands the derived indexes to a store that has the primitive; its writes then carry memberships', async () => {
    const { provider, installed } = derivingProvider();
    const cache = createCache<{ owner: string }>(provider, { name: 'd' });
    expect(useDerivedIndexes(cache as never, byOwner)).toBe(true);
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
    useDerivedIndexes(cache as never, byOwner);
    const e = await cache.set('a', { owner: 'refuse' }).catch((x: unknown) => x);
    expect(isCacheError(e, 'INVALID_VALUE')).toBe(true);
    expect((e as CacheError).message).toMatch(/refused by derive/);
    expect(await cache.has('a')).toBe(false);
    const u = await cache.update('b', () => ({ owner: 'refuse' })).catch((x: unknown) => x);
    expect(isCacheError(u, 'INVALID_VALUE')).toBe(true);
    expect(await cache.has('b')).toBe(false);
    await cache.close();
  });

  it('is false for a store without the primitive, a closed cache, and anything that is not a core cache', async () => {
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
    expect(useDerivedIndexes(plain as never, byOwner)).toBe(false);
    await plain.set('k', 1);
    expect(await plain.get('k')).toBe(1);
    await plain.close();
    const { provider } = derivingProvider();
    const closed = createCache<number>(provider, { name: 'c' });
    await closed.close();
    expect(useDerivedIndexes(closed as never, byOwner)).toBe(false);
    expect(useDerivedIndexes({} as never, byOwner)).toBe(false);
    expect(useDerivedIndexes(null as never, byOwner)).toBe(false);
  });
});
