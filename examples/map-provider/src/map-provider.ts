import { type CacheProvider, SPECIFICATION_VERSION, type Store, type StoreConfig } from '@gocache/core';
import { mapStore } from './map-store.ts';

/**
 * The smallest honest gocache provider: one `Map` per cache, written only against `@gocache/core`'s
 * public SPI and store kit. A reference for provider authors, not for production.
 * @example const cache = createCache<string>(mapProvider(), { name: 'demo', ttl: '5m' });
 */
export function mapProvider(): CacheProvider {
  const stores = new Set<Store<unknown>>();
  return {
    name: 'map',
    specificationVersion: SPECIFICATION_VERSION,
    // What it can honestly claim; the conformance kit runs every check these imply.
    capabilities: {
      distributed: false,
      fakeClock: true,
      eviction: true,
      indexes: true,
      referenceValues: true,
      accessTracking: true,
    },
    createStore: <T>(config: StoreConfig) => {
      const store = mapStore<T>(config);
      stores.add(store as Store<unknown>);
      return store;
    },
    close: async () => {
      for (const store of stores) await store.close();
      stores.clear();
    },
  };
}
