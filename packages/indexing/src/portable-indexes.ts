import { CacheError, type CacheProvider, type Store, type StoreConfig } from '@gocache/core';
import { userKey } from './portable-records.js';
import { PortableIndexStore } from './portable-store.js';

/**
 * Give a key/value-only provider correct index primitives (`addIndex`, `removeIndex`,
 * `getByIndex`, `deleteByIndex`). Memberships are stored inside each entry's own record and
 * changed with the provider's atomic `compareAndSet`, so they leave with the entry on delete,
 * expiry and clear; per-set hint records (with TTLs and amortised pruning) make queries fast and
 * index storage bounded. A provider that already has native indexes is returned as it is.
 *
 * Not for evicting stores: an evicted hint record would hide live members, so a cache with
 * `maxEntries` on a provider whose capabilities include `eviction` is refused.
 *
 * @example
 * const cache = createCache<Session>(portableIndexes(fooProvider()), { name: 'sessions' });
 */
export function portableIndexes(provider: CacheProvider): CacheProvider {
  if (provider.capabilities.indexes) return provider;
  return {
    name: `${provider.name}+portable-indexes`,
    specificationVersion: provider.specificationVersion,
    capabilities: { ...provider.capabilities, indexes: true },
    createStore<T>(config: StoreConfig): Store<T> {
      if (config.maxEntries !== undefined && provider.capabilities.eviction) {
        throw new CacheError(
          'INVALID_ARGUMENT',
          `provider "${provider.name}" evicts entries, and an evicted index record would hide live members; drop maxEntries or use a provider with native indexes`,
          { cacheName: config.name, op: 'createCache' },
        );
      }
      const onLeave = config.onLeave;
      const inner = provider.createStore<unknown>({
        ...config,
        // Internal records are not the user's entries: only envelopes are reported, unwrapped.
        onLeave:
          onLeave === undefined
            ? undefined
            : (event) => {
                const key = userKey(event.key);
                if (key === undefined) return;
                const env = event.value as { v?: unknown } | undefined;
                onLeave(
                  env === undefined || env === null || typeof env !== 'object'
                    ? { cacheName: event.cacheName, key, reason: event.reason }
                    : { cacheName: event.cacheName, key, reason: event.reason, value: env.v },
                );
              },
      });
      return new PortableIndexStore<T>(inner, config);
    },
    close: () => provider.close(),
  };
}
