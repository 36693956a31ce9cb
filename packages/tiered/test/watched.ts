import type { CacheProvider, Store, StoreConfig } from '@gocache/core';

/** Store methods that read an entry's value: what an L1 miss costs L2. */
const VALUE_READS = new Set(['get', 'getEntry', 'getMany', 'getVersioned']);

/**
 * `inner` unchanged, but the test sees every store it made (e.g. to measure a cache's L1 with
 * `size()`) and counts the value reads made of them.
 */
export function watched(inner: CacheProvider): {
  provider: CacheProvider;
  stores: Store<unknown>[];
  reads: { count: number };
} {
  const stores: Store<unknown>[] = [];
  const reads = { count: 0 };
  const provider: CacheProvider = {
    name: inner.name,
    specificationVersion: inner.specificationVersion,
    capabilities: inner.capabilities,
    createStore<T>(config: StoreConfig): Store<T> {
      const store = inner.createStore<T>(config);
      stores.push(store as Store<unknown>);
      return new Proxy(store, {
        get(target, prop, receiver) {
          const v = Reflect.get(target, prop, receiver);
          if (typeof v !== 'function') return v;
          if (typeof prop === 'string' && VALUE_READS.has(prop)) {
            return (...args: unknown[]) => {
              reads.count++;
              return v.apply(target, args);
            };
          }
          return v.bind(target);
        },
      });
    },
    close: () => inner.close(),
  };
  return { provider, stores, reads };
}
