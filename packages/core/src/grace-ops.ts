import type { CacheCore } from './cache-core.js';
import type { Call } from './call.js';
import { isGraceRecord, STALE_AT } from './grace.js';
import type { MaybePromise } from './spi.js';
import { retried } from './store-kit/fallbacks.js';
import type { CacheEntryMetadata } from './types.js';

/**
 * The operations whose store primitive cannot see a grace record's logical expiry (a stale record
 * is still a live entry to the store): used instead of the primitive once `graceSeen`, through
 * `getVersioned` + `compareAndSet`, so a stale value counts as absent everywhere but `getOrSet`.
 */
export class GraceOps<T> {
  readonly #k: CacheCore<T>;

  constructor(core: CacheCore<T>) {
    this.#k = core;
  }

  async has(c: Call): Promise<boolean> {
    const k = this.#k;
    return k.live(await k.store.get(c.key!)) !== undefined;
  }

  /** The metadata, with the logical expiry of a fresh grace record; `undefined` once it is stale. */
  async getMetadata(c: Call): Promise<CacheEntryMetadata | undefined> {
    const k = this.#k;
    const key = c.key!;
    const [meta, cur] = await Promise.all([k.store.getMetadata(key), k.store.getVersioned(key)]);
    if (meta === undefined || cur === undefined || !isGraceRecord(cur.value)) return meta;
    return k.c.now() < cur.value[STALE_AT] ? { ...meta, expiresAt: cur.value[STALE_AT] } : undefined;
  }

  /** `setIfNotExists` / `setIfExists` judged on the logical entry, written by compare-and-set. */
  conditional(c: Call, value: T): MaybePromise<boolean> {
    const k = this.#k;
    const key = c.key!;
    return retried(c.op, key, async () => {
      const cur = await k.store.getVersioned(key);
      const exists = cur !== undefined && k.live(cur.value) !== undefined;
      if (exists !== (c.op === 'setIfExists')) return false;
      return (await k.store.compareAndSet(key, cur === undefined ? null : cur.version, value, c.ttlMs)) || undefined;
    });
  }

  /** `touch` of a grace record: a stale one is a miss; a fresh one becomes a plain entry with the new TTL. */
  touch(c: Call): MaybePromise<boolean> {
    const k = this.#k;
    const key = c.key!;
    return retried('touch', key, async () => {
      const cur = await k.store.getVersioned(key);
      if (cur === undefined) return false;
      if (!isGraceRecord(cur.value)) return k.full.touch(key, c.ttlMs);
      const live = k.live(cur.value);
      if (live === undefined) return false;
      return (await k.store.compareAndSet(key, cur.version, live, c.ttlMs)) || undefined;
    });
  }
}
