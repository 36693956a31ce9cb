import { type Cache, CacheError, type DerivedIndexes, type DerivedIndexLimit, useDerivedIndexes } from '@gocache/core';
import type { IndexPlan } from './index-plan.js';

/** The SPI form of an index plan, for stores that keep memberships atomically (`Store.deriveIndexes`). */
function toDerivedIndexes<T>(cacheName: string, plan: IndexPlan<T>): Required<DerivedIndexes> {
  const limits = new Map<string, DerivedIndexLimit>();
  for (const i of plan.indexes) if (i.limit !== undefined) limits.set(i.name, { ...i.limit });
  return {
    names: plan.names,
    limits,
    derive: plan.deriveForStore,
    deriveFrom: plan.deriveFrom,
    limitError: (key, indexName, indexKey) =>
      new CacheError(
        'ACCESS_DENIED',
        `index "${indexName}" key "${indexKey}" already holds its limit of ${limits.get(indexName)?.max} entries (onExceed: 'reject'); delete one first`,
        { cacheName, op: 'write', key },
      ),
  };
}

/** Ask the cache's store to keep the plan atomically; false when it cannot (then this package reconciles). */
export function installDerivedIndexes<T>(cache: Cache<T>, plan: IndexPlan<T>): boolean {
  return useDerivedIndexes(cache as Cache<unknown>, toDerivedIndexes(cache.name, plan));
}
