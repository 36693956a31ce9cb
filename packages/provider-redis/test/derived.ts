import { type Cache, type DerivedIndexes, extendCache } from '@gocache/core';

/**
 * Hand `d` to `cache`'s store through core's extension host, as `@gocache/indexing` does; whether
 * the store took it (false on a cluster, where the store lacks `deriveIndexes`).
 */
export function useDerived<T>(cache: Cache<T>, d: DerivedIndexes): boolean {
  let took = false;
  extendCache(cache, {
    name: 'test-derived',
    install: (host) => {
      took = host.deriveIndexes(d);
      return { members: {} };
    },
  });
  return took;
}
