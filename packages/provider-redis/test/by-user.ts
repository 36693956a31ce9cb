import { CacheError, type DerivedIndexes } from '@gocache/core';

/** Derived indexes for `{ user }` values: one membership `by_user`/<user>, no limits (a full key refuses). */
export function byUser(cacheName: string): DerivedIndexes {
  return {
    names: new Set(['by_user']),
    derive: (_k, v) => ['by_user', (v as { user: string }).user],
    limits: new Map(),
    overLimit: (key) => {
      throw new CacheError('ACCESS_DENIED', 'limit', { cacheName, op: 'set', key });
    },
  };
}
