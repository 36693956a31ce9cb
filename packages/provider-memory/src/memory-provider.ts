import type { CacheProvider, ProviderCapabilities, Store, StoreConfig } from '@gocache/core';
import { CacheError, SPECIFICATION_VERSION } from '@gocache/core';
import { MemoryStore } from './memory-store.js';
import { type MemoryProviderOptions, resolveOptions } from './options.js';

const CAPABILITIES: ProviderCapabilities = Object.freeze({
  distributed: false,
  fakeClock: true,
  eviction: true,
  indexes: true,
  referenceValues: true,
  accessTracking: true,
  derivedIndexes: true,
});

/**
 * The in-process provider: each cache is a `Map` plus typed arrays, with exact TTLs, `maxEntries`
 * / `maxSize` bounds, pluggable eviction (`'lru'` default, `'lfu'`, `'tinylfu'`) and native indexes.
 * `options` are defaults for every cache it makes; a cache's `providerOptions` override them.
 *
 * @example
 * const cache = createCache<User>(memoryProvider({ policy: 'tinylfu' }), { name: 'users', maxEntries: 10_000 });
 */
export function memoryProvider(options?: MemoryProviderOptions): CacheProvider {
  // Weak references: a cache dropped without close() must not be kept alive by its provider.
  const open = new Set<WeakRef<MemoryStore<unknown>>>();
  const forget = new FinalizationRegistry<WeakRef<MemoryStore<unknown>>>((ref) => open.delete(ref));
  let closed = false;
  // Validate provider-wide defaults now, so a typo fails where it was written.
  resolveOptions('?', options, undefined);
  return {
    name: 'memory',
    specificationVersion: SPECIFICATION_VERSION,
    capabilities: CAPABILITIES,
    createStore<T>(config: StoreConfig): Store<T> {
      if (closed) {
        throw new CacheError('CLOSED', 'this memory provider was closed; create a new memoryProvider()', {
          cacheName: config.name,
          op: 'createCache',
        });
      }
      const resolved = resolveOptions(config.name, options, config.providerOptions);
      let ref: WeakRef<MemoryStore<unknown>> | undefined;
      const store = new MemoryStore<T>(config, resolved, () => {
        open.delete(ref!);
        forget.unregister(ref!);
      });
      ref = new WeakRef(store as MemoryStore<unknown>);
      open.add(ref);
      forget.register(store, ref, ref);
      return store;
    },
    async close(): Promise<void> {
      closed = true;
      for (const ref of [...open]) ref.deref()?.close();
    },
  };
}
