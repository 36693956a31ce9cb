import type { CacheProvider, Store, StoreConfig } from '@gocache/core';
import { userKey } from './portable-records.js';
import { PortableIndexStore } from './portable-store.js';

/**
 * Give a key/value-only provider correct index primitives (`addIndex`, `removeIndex`,
 * `getByIndex`, `deleteByIndex`, and core's `deriveIndexes`). Memberships are stored inside each
 * entry's own record and changed with the provider's atomic `compareAndSet`, so they leave with the
 * entry on delete, expiry, eviction and clear; per-set hint records (with TTLs and amortised
 * pruning) make queries fast and index storage bounded. A hint the provider evicts (and reports
 * as evicted) is rebuilt from the entries before its set is next queried. A provider that already
 * has native indexes is returned as it is.
 *
 * @example
 * const cache = createCache<Session>(portableIndexes(fooProvider()), { name: 'sessions' });
 */
export function portableIndexes(provider: CacheProvider): CacheProvider {
  if (provider.capabilities.indexes) return provider;
  return {
    name: `${provider.name}+portable-indexes`,
    specificationVersion: provider.specificationVersion,
    capabilities: { ...provider.capabilities, indexes: true, derivedIndexes: true },
    createStore<T>(config: StoreConfig): Store<T> {
      const onLeave = config.onLeave;
      let store: PortableIndexStore<T> | undefined;
      // Listen to an evicting store even when nobody else does: an evicted hint must be noticed.
      // Internal records are not the user's entries: only envelopes are reported, unwrapped.
      const listen = onLeave !== undefined || provider.capabilities.eviction;
      const inner = provider.createStore<unknown>({
        ...config,
        onLeave: !listen
          ? undefined
          : (event) => {
              if (event.reason === 'evicted') store?.noteEvicted(event.key);
              if (onLeave === undefined) return;
              // addIndex/removeIndex rewrite the envelope; the user's entry was not replaced.
              if (event.reason === 'replaced' && store?.isMembershipRewrite(event.key) === true) return;
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
      store = new PortableIndexStore<T>(inner, config);
      return store;
    },
    close: () => provider.close(),
  };
}
