import type { Cache, CacheOptions } from '@gocache/core';
import { createCache } from '@gocache/core';
import { memoryProvider } from './memory-provider.js';
import type { MemoryCacheOptions } from './options.js';

/**
 * Shorthand for `createCache<T>(memoryProvider(), options)`: one in-process cache without a
 * manager. Memory settings go under `providerOptions`, typed here.
 *
 * @example
 * const users = memoryCache<User>({ name: 'users', maxEntries: 10_000, providerOptions: { policy: 'tinylfu' } });
 */
export function memoryCache<T>(options: CacheOptions<T, MemoryCacheOptions<T>>): Cache<T> {
  return createCache<T, MemoryCacheOptions<T>>(memoryProvider(), options);
}
