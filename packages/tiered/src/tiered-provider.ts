import type { CacheProvider, Duration, InvalidationBus, ProviderCapabilities, Store, StoreConfig } from '@gocache/core';
import { CacheError, parseDuration, SPECIFICATION_VERSION } from '@gocache/core';
import { type Siblings, TieredStore } from './tiered-store.js';

/** Options of `tieredProvider`. */
export interface TieredProviderOptions {
  /** The in-process provider (e.g. `memoryProvider()`): one L1 per process. */
  l1: CacheProvider;
  /** The shared, authoritative provider (e.g. `redisProvider({ client })`). */
  l2: CacheProvider;
  /** Invalidations between processes (e.g. `redisBus({ client })`). Closed by `close()`. */
  bus: InvalidationBus;
  /**
   * The longest an L1 copy is served without asking L2: the bound on staleness when a message is
   * lost. Copies also never outlive the entry's own expiry.
   */
  l1Ttl: Duration;
}

function bad(message: string): CacheError {
  return new CacheError('INVALID_ARGUMENT', message, { cacheName: '', op: 'tieredProvider' });
}

function isProvider(p: unknown): p is CacheProvider {
  const c = p as Partial<CacheProvider> | null;
  return (
    typeof c === 'object' && c !== null && typeof c.createStore === 'function' && typeof c.capabilities === 'object'
  );
}

/**
 * A provider whose caches read an in-process L1 first and a shared L2 (authoritative) on a miss,
 * kept coherent across processes by an invalidation bus. Writes go to L2, then L1, then the bus;
 * every removal and write is published; queries (patterns, indexes, metadata), `update`'s
 * compare-and-set, `getOrSet`'s distributed lock and `touch` go to L2. While the bus is down the
 * L1 is cleared and bypassed (fail closed). A cache's `maxEntries` bounds each process's L1 (it
 * needs an L1 that evicts, e.g. `memoryProvider()`); L2 keeps every entry.
 *
 * @example
 * const provider = tieredProvider({ l1: memoryProvider(), l2: redisProvider({ client }), bus: redisBus({ client }), l1Ttl: '10s' });
 * const sessions = createCache<Session>(provider, { name: 'sessions', ttl: '24h', maxEntries: 50_000 }); // 50,000 per L1
 */
export function tieredProvider(options: TieredProviderOptions): CacheProvider {
  if (options === null || typeof options !== 'object') throw bad('tieredProvider needs { l1, l2, bus, l1Ttl }');
  const { l1, l2, bus } = options;
  if (!isProvider(l1)) throw bad('l1 must be a CacheProvider, e.g. memoryProvider()');
  if (!isProvider(l2)) throw bad('l2 must be a CacheProvider, e.g. redisProvider({ client })');
  if (
    bus === null ||
    typeof bus !== 'object' ||
    typeof bus.subscribe !== 'function' ||
    typeof bus.publish !== 'function'
  ) {
    throw bad('bus must be an InvalidationBus, e.g. redisBus({ client })');
  }
  if (l1.capabilities.distributed) throw bad(`l1 must be an in-process provider; "${l1.name}" is distributed`);
  const l1TtlMs = parseDuration(options.l1Ttl, { cacheName: '', op: 'tieredProvider' });
  if (!Number.isFinite(l1TtlMs))
    throw bad("l1Ttl must be finite: it bounds staleness when a message is lost (e.g. '10s')");

  const capabilities: ProviderCapabilities = Object.freeze({
    // Entries live in L2; L1 is a copy.
    distributed: l2.capabilities.distributed,
    fakeClock: l1.capabilities.fakeClock && l2.capabilities.fakeClock,
    // L1 evicts, the cache as a whole does not: L2 keeps every entry. A cache's maxEntries bounds
    // each process's L1, which holds only where L1 evicts (else core refuses maxEntries).
    eviction: false,
    localBound: l1.capabilities.eviction,
    indexes: l2.capabilities.indexes,
    // An L1 hit returns the object L1 holds, an L1 miss a fresh copy from L2: neither is promised.
    referenceValues: false,
    // Metadata comes from L2, which does not see L1 hits.
    accessTracking: false,
    // Derived memberships are L2's to keep (L1 is a copy).
    derivedIndexes: l2.capabilities.derivedIndexes === true,
  });
  const siblings: Siblings = new Map();
  let closed = false;

  return {
    name: `tiered(${l1.name}+${l2.name})`,
    specificationVersion: SPECIFICATION_VERSION,
    capabilities,
    createStore<T>(config: StoreConfig): Store<T> {
      if (closed) {
        throw new CacheError('CLOSED', 'this tiered provider was closed; create a new tieredProvider()', {
          cacheName: config.name,
          op: 'createCache',
        });
      }
      // maxEntries is L1's alone (capability localBound): L2 keeps every entry.
      const l2Store = l2.createStore<T>({ ...config, maxEntries: undefined });
      const l1Store = l1.createStore<T>({
        ...config,
        indexes: {},
        // L1 copies come and go; only L2's leaves are the cache's.
        onLeave: undefined,
        metrics: undefined,
        providerOptions: undefined,
      });
      return new TieredStore<T>({
        name: config.name,
        now: config.now,
        l1: l1Store,
        l2: l2Store,
        bus,
        l1TtlMs,
        siblings,
      });
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      try {
        await bus.close();
      } finally {
        try {
          await l1.close();
        } finally {
          await l2.close();
        }
      }
    },
  };
}
