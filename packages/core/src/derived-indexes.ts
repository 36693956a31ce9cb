import type { DerivedIndexes } from './spi.js';
import type { Cache } from './types.js';

/** The method key by which a core cache accepts derived indexes (a registry symbol: survives duplicate installs). */
export const DERIVE_INDEXES: unique symbol = Symbol.for('@gocache/core/deriveIndexes') as never;

/**
 * Ask `cache`'s store to keep `indexes` (memberships derived from values) in the same atomic step
 * as every write. True when the store took them (`Store.deriveIndexes`); false when the cache is
 * not a core cache, is closed, or its store lacks the primitive — the caller must then keep
 * memberships itself. Meant for `@gocache/indexing`; applications use `withIndexes` from there.
 */
export function useDerivedIndexes(cache: Cache<unknown>, indexes: DerivedIndexes): boolean {
  const install = (cache as unknown as Record<symbol, unknown> | null)?.[DERIVE_INDEXES];
  return typeof install === 'function' && install.call(cache, indexes) === true;
}
