import type { CacheProvider, Store } from '@gocache/core';
import { storeConfig } from '@gocache/core/store-kit';

/**
 * A store made straight from a provider through the SPI, bypassing core's validation, pipeline and
 * promises: the hit-ratio simulation replays millions of requests and only needs the policy's
 * decisions, which are the same whichever path drives them.
 */
export function createSyncStore<T>(provider: CacheProvider, maxEntries: number, providerOptions: unknown): Store<T> {
  return provider.createStore<T>(
    storeConfig({
      name: `sim-${Math.random().toString(36).slice(2, 8)}`,
      now: () => 0,
      maxEntries,
      providerOptions,
    }),
  );
}

/** Replay `ids` against a synchronous store (get, and set on a miss); the hit ratio. */
export function replaySync(store: Store<number>, keys: readonly string[], ids: Int32Array): number {
  let hits = 0;
  for (let i = 0; i < ids.length; i++) {
    const key = keys[ids[i] as number] as string;
    const v = store.get(key);
    if (v instanceof Promise)
      throw new Error('the store answered asynchronously; the simulation needs a synchronous store');
    if (v !== undefined) hits++;
    else store.set(key, 1, Number.POSITIVE_INFINITY);
  }
  return hits / ids.length;
}
