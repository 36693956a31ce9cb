import type { DerivedIndexes, DerivedIndexLimit } from '@gocache/core';
import type { IndexPlan } from './index-plan.js';
import { overLimitOf } from './limits.js';

/** The SPI form of an index plan, for stores that keep memberships atomically (`Store.deriveIndexes`). */
export function toDerivedIndexes<T>(cacheName: string, plan: IndexPlan<T>): Required<DerivedIndexes> {
  const limits = new Map<string, DerivedIndexLimit>();
  for (const i of plan.indexes) if (i.limit !== undefined) limits.set(i.name, { max: i.limit.max });
  return {
    names: plan.names,
    limits,
    derive: plan.deriveForStore,
    deriveFrom: plan.deriveFrom,
    overLimit: overLimitOf(cacheName, plan),
  };
}
