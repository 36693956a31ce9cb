import type { InvalidationBus } from './bus.js';
import type { LiveEntry, PublishingWrites } from './spi.js';

/** The method key by which a core cache lets tools measure its store (a registry symbol: survives duplicate installs). */
export const INSPECT: unique symbol = Symbol.for('@gocache/core/inspect') as never;

/** What can be measured of a cache's store from outside it. */
export interface StoreInspection {
  /** The index memberships the store holds, dead or alive (`Store.indexFootprint`); `undefined` where it cannot tell. */
  indexFootprint(): Promise<number | undefined>;
  /**
   * True when the store implements `touch` itself. Without it core's fallback rewrites the value
   * through compare-and-set (correct, but `updatedAt` moves and a `replaced` event may fire).
   */
  readonly nativeTouch: boolean;
  /** `Store.removeByIndex` where the store has it (the kit checks it names exactly what it removed). */
  readonly removeByIndex: ((indexName: string, indexKey: string) => Promise<readonly string[]>) | undefined;
  /** `Store.getEntry` as core has it: the store's own, or core's fallback (`get` + `getMetadata`). */
  getEntry(key: string): Promise<LiveEntry<unknown> | undefined>;
  /** `Store.publishingWrites(bus, <this cache's name>)`, `undefined` where the store has none or refuses `bus`. */
  publishingWrites(bus: InvalidationBus): PublishingWrites<unknown> | undefined;
}

/**
 * Measure the store behind `cache` (the conformance kit's hygiene checks use it). `undefined` for
 * anything that is not a cache made by this core (or a copy of it).
 */
export function inspectStore(cache: unknown): StoreInspection | undefined {
  const inspect = (cache as Record<symbol, unknown> | null)?.[INSPECT];
  return typeof inspect === 'function' ? (inspect.call(cache) as StoreInspection) : undefined;
}
