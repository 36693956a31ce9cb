import { createCache } from './create-cache.js';
import { CacheError } from './errors.js';
import type { CacheMetrics } from './metrics.js';
import type { CacheProvider } from './spi.js';
import type { Cache, CacheOptions } from './types.js';
import { describe } from './validate.js';

/** Options of `createManager`. */
export interface ManagerOptions {
  /** Providers by the name caches will ask for, e.g. `{ memory: memoryProvider() }`. */
  providers?: Record<string, CacheProvider>;
  /** Options applied to every cache unless the cache overrides them. */
  defaults?: Partial<Omit<CacheOptions<unknown>, 'name'>>;
  /** Metrics for every cache that sets none of its own. */
  metrics?: CacheMetrics;
}

/** Makes typed caches on named providers and closes them all together. */
export interface CacheManager {
  /** Create a cache on the provider registered as `providerName`. */
  newCache<T, P = unknown>(providerName: string, options: CacheOptions<T, P>): Cache<T>;
  /** Register (or replace) a provider under `name`. */
  registerProvider(name: string, provider: CacheProvider): void;
  /** Names of the registered providers. */
  providerNames(): string[];
  /** Close every cache this manager made, then every provider. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Create a manager.
 *
 * @example
 * const manager = createManager({ providers: { memory: memoryProvider() }, defaults: { ttl: '1h' } });
 * const sessions = manager.newCache<Session>('memory', { name: 'sessions', ttl: '24h' });
 */
export function createManager(options: ManagerOptions = {}): CacheManager {
  const providers = new Map<string, CacheProvider>();
  const caches = new Map<string, Cache<unknown>>(); // `${provider}\0${cacheName}` → cache
  let closing: Promise<void> | undefined;
  const err = (code: 'INVALID_ARGUMENT' | 'CLOSED', op: string, msg: string) =>
    new CacheError(code, msg, { cacheName: '?', op });

  const register = (name: string, provider: CacheProvider) => {
    if (closing) throw err('CLOSED', 'registerProvider', 'the manager is closed');
    if (typeof name !== 'string' || name.length === 0) {
      throw err(
        'INVALID_ARGUMENT',
        'registerProvider',
        `provider name must be a non-empty string, got ${describe(name)}`,
      );
    }
    if (provider === null || typeof provider !== 'object' || typeof provider.createStore !== 'function') {
      throw err('INVALID_ARGUMENT', 'registerProvider', `"${name}" is not a CacheProvider, got ${describe(provider)}`);
    }
    providers.set(name, provider);
  };
  for (const [n, p] of Object.entries(options.providers ?? {})) register(n, p);

  const manager: CacheManager = {
    newCache<T, P = unknown>(providerName: string, cacheOptions: CacheOptions<T, P>): Cache<T> {
      if (closing) throw err('CLOSED', 'newCache', 'the manager is closed; create a new manager');
      const provider = providers.get(providerName);
      if (provider === undefined) {
        const known = [...providers.keys()];
        throw err(
          'INVALID_ARGUMENT',
          'newCache',
          `no provider named ${describe(providerName)}; registered: ${known.length ? known.join(', ') : '(none)'} — register it with registerProvider(name, provider)`,
        );
      }
      const merged = { ...options.defaults, ...cacheOptions } as CacheOptions<T, P>;
      if (merged.metrics === undefined && options.metrics !== undefined) merged.metrics = options.metrics;
      const id = `${providerName}\0${String(merged.name)}`;
      if (caches.has(id)) {
        throw new CacheError(
          'INVALID_ARGUMENT',
          `a cache named "${merged.name}" already exists on provider "${providerName}" in this manager; two would share one namespace — reuse it or pick another name`,
          { cacheName: String(merged.name), op: 'newCache' },
        );
      }
      const cache = createCache<T, P>(provider, merged, { onClose: () => caches.delete(id) });
      caches.set(id, cache as Cache<unknown>);
      return cache;
    },
    registerProvider: register,
    providerNames: () => [...providers.keys()],
    close() {
      closing ??= (async () => {
        const errors: unknown[] = [];
        for (const c of [...caches.values()]) await c.close().catch((e: unknown) => errors.push(e));
        for (const p of new Set(providers.values())) await p.close().catch((e: unknown) => errors.push(e));
        if (errors.length > 0) throw new AggregateError(errors, 'some caches or providers failed to close');
      })();
      return closing;
    },
    [Symbol.asyncDispose]() {
      return manager.close();
    },
  };
  return manager;
}
