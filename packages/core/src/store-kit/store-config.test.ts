import { describe, expect, it } from 'vitest';
import { createCache } from '../create-cache.js';
import { type CacheProvider, SPECIFICATION_VERSION, type StoreConfig } from '../spi.js';
import { storeConfig } from './store-config.js';

describe('storeConfig', () => {
  it('is the config createCache hands a store for a cache that sets nothing (clock aside), with overrides on top', async () => {
    let handed: StoreConfig | undefined;
    const provider: CacheProvider = {
      name: 'spy',
      specificationVersion: SPECIFICATION_VERSION,
      capabilities: {
        distributed: false,
        fakeClock: false,
        eviction: false,
        indexes: false,
        referenceValues: false,
        accessTracking: false,
      },
      createStore(config) {
        handed = config;
        throw new Error('only the config was wanted');
      },
      close: async () => {},
    };
    expect(() => createCache(provider, { name: 'c' })).toThrow();
    const { now: _n, onLeave: _l, ...rest } = handed!;
    const { now: _m, onLeave: _o, ...defaults } = storeConfig({ name: 'c' });
    expect(rest).toEqual(defaults);
    expect(storeConfig({ name: 'c', maxEntries: 5 }).maxEntries).toBe(5);
  });
});
