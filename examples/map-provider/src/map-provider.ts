import type { CacheProvider, ProviderCapabilities, Store, StoreConfig } from '@gocache/core';
import { MapStore } from './map-store.ts';

/** What the Map provider can honestly claim; the conformance kit checks every one of them. */
const CAPABILITIES: ProviderCapabilities = Object.freeze({
  distributed: false,
  fakeClock: true,
  eviction: true,
  indexes: true,
  referenceValues: true,
  accessTracking: true,
});

/**
 * The smallest honest gocache provider: one `Map` per cache, written only against
 * `@gocache/core`'s public SPI. A reference for provider authors, not for production.
 *
 * @example
 * const cache = createCache<string>(mapProvider(), { name: 'demo', ttl: '5m' });
 */
export function mapProvider(): CacheProvider {
  const stores = new Set<Store<unknown>>();
  return {
    name: 'map',
    specificationVersion: 1,
    capabilities: CAPABILITIES,
    createStore<T>(config: StoreConfig): Store<T> {
      const store = new MapStore<T>(config);
      stores.add(store as Store<unknown>);
      return store;
    },
    async close() {
      for (const s of stores) await s.close();
      stores.clear();
    },
  };
}
