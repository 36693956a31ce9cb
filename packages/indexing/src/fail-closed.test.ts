import { type CacheProvider, createCache, isCacheError, type Store } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';
import { expect, it } from 'vitest';
import { withoutDerivedIndexes } from '../test/backends.js';
import { kvMapProvider } from '../test/kv-map-provider.js';
import { withIndexes } from './with-indexes.js';

interface Session {
  userId: string;
}

/** Memory without the atomic primitive, whose `addIndex` fails for one index key. */
function failingAddIndex(badIndexKey: string): CacheProvider {
  const p = withoutDerivedIndexes(memoryProvider());
  return {
    ...p,
    createStore<T>(config: Parameters<CacheProvider['createStore']>[0]): Store<T> {
      const store = p.createStore<T>(config);
      return new Proxy(store, {
        get(target, prop) {
          if (prop === 'addIndex') {
            return (name: string, key: string, indexKey: string) => {
              if (indexKey === badIndexKey) throw new Error('backend lost the membership write');
              return target.addIndex!(name, key, indexKey);
            };
          }
          const v = Reflect.get(target, prop, target);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      });
    },
  };
}

it('fallback: a write whose membership cannot be stored fails closed (the entry is deleted)', async () => {
  const cache = withIndexes(createCache<Session>(failingAddIndex('u-bad'), { name: 'fc' }), {
    by_user: { pattern: 'session:*', by: (s) => s.userId },
  });
  expect(cache.atomicIndexes).toBe(false);
  await cache.set('session:1', { userId: 'u1' });
  const e = await cache.set('session:1', { userId: 'u-bad' }).catch((x: unknown) => x);
  expect(isCacheError(e, 'PROVIDER')).toBe(true);
  // Not left live under a user it is not indexed for, and not left under its old user either.
  expect(await cache.has('session:1')).toBe(false);
  expect(await cache.keys({ index: 'by_user', key: 'u1' })).toEqual([]);
  const u = await cache.update('session:2', () => ({ userId: 'u-bad' })).catch((x: unknown) => x);
  expect(isCacheError(u)).toBe(true);
  expect(await cache.has('session:2')).toBe(false);
  await cache.close();
});

it('evicted entries leave every index (memory, maxEntries)', async () => {
  for (const provider of [memoryProvider(), withoutDerivedIndexes(memoryProvider())]) {
    const cache = withIndexes(createCache<Session>(provider, { name: 'ev', maxEntries: 50 }), {
      by_user: { pattern: 'session:*', by: (s) => s.userId },
    });
    for (let i = 0; i < 500; i++) await cache.set(`session:${i}`, { userId: `u${i % 3}` });
    const all = [
      ...(await cache.keys({ index: 'by_user', key: 'u0' })),
      ...(await cache.keys({ index: 'by_user', key: 'u1' })),
      ...(await cache.keys({ index: 'by_user', key: 'u2' })),
    ];
    expect(all.length).toBeLessThanOrEqual(50);
    expect((await cache.getMany(all)).size).toBe(all.length);
    expect(new Set(await cache.getByIndex('by_user', 'u0'))).toEqual(
      new Set((await cache.getKeysByPattern('session:*')).filter((k) => Number(k.slice(8)) % 3 === 0)),
    );
    await cache.close();
  }
});

it('a provider without index primitives is refused on write with a typed error, and nothing is left behind', async () => {
  const inner = createCache<Session>(kvMapProvider(), { name: 'noidx' });
  const cache = withIndexes(inner, { by_user: { pattern: 'session:*', by: (s) => s.userId } });
  expect(() => withIndexes(inner, { other: { pattern: '*', by: (s) => s.userId } })).toThrow(/already has indexes/);
  await expect(cache.set('session:1', { userId: 'u1' })).rejects.toThrow(/no index support/);
  expect(await cache.has('session:1')).toBe(false);
  await cache.close();
});
