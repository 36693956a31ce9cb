import type { CacheCore } from './cache-core.js';
import type { Call } from './call.js';
import { isGraceRecord, STALE_AT } from './grace.js';
import type { CacheEntryMetadata } from './types.js';

/** How often a conditional write re-reads after losing a race, as core's derived writes do. */
const ATTEMPTS = 64;

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
  async conditional(c: Call, value: T): Promise<boolean> {
    const k = this.#k;
    const key = c.key!;
    for (let i = 0; i < ATTEMPTS; i++) {
      const cur = await k.store.getVersioned(key);
      const exists = cur !== undefined && k.live(cur.value) !== undefined;
      if (exists !== (c.op === 'setIfExists')) return false;
      if (await k.store.compareAndSet(key, cur === undefined ? null : cur.version, value, c.ttlMs)) return true;
    }
    throw k.err(
      'CONFLICT',
      c.op,
      `the entry kept changing under concurrent writers; gave up after ${ATTEMPTS} attempts`,
      key,
    );
  }

  /** `touch` of a grace record: a stale one is a miss; a fresh one becomes a plain entry with the new TTL. */
  async touch(c: Call): Promise<boolean> {
    const k = this.#k;
    const key = c.key!;
    for (let i = 0; i < ATTEMPTS; i++) {
      const cur = await k.store.getVersioned(key);
      if (cur === undefined) return false;
      if (!isGraceRecord(cur.value)) return k.full.touch(key, c.ttlMs);
      const live = k.live(cur.value);
      if (live === undefined) return false;
      if (await k.store.compareAndSet(key, cur.version, live, c.ttlMs)) return true;
    }
    throw k.err(
      'CONFLICT',
      'touch',
      `the entry kept changing under concurrent writers; gave up after ${ATTEMPTS} attempts`,
      key,
    );
  }
}
