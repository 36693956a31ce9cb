import type { StoreConfig } from '../spi.js';

/** The longest key, in UTF-8 bytes, a cache accepts when its options set no `maxKeyLength`. */
export const DEFAULT_MAX_KEY_LENGTH = 1024;

/**
 * A `StoreConfig` as `createCache` makes one for a cache that sets nothing — no bound, no cleanup
 * timer, no indexes, keys up to `DEFAULT_MAX_KEY_LENGTH` bytes, nobody listening for leaves, no
 * metrics, the system clock — with `overrides` on top. For making a store without a cache: a
 * provider's own tests, a layer over other stores, a benchmark of the bare store.
 */
export function storeConfig(overrides: Partial<StoreConfig> & { readonly name: string }): StoreConfig {
  return {
    now: Date.now,
    maxEntries: undefined,
    cleanupIntervalMs: undefined,
    indexes: {},
    maxKeyLength: DEFAULT_MAX_KEY_LENGTH,
    onLeave: undefined,
    metrics: undefined,
    providerOptions: undefined,
    ...overrides,
  };
}
