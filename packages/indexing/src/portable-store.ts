/**
 * The portable index layer's store: `Store` over an inner key/value-only store, with its reads,
 * deletes and explicit index operations. Its parts live in modules of their own, built once in
 * its constructor: the inner store as they use it (`portable-inner.ts`), hint upkeep
 * (`portable-hints.ts`) and the write path with limits (`portable-writes.ts`).
 */
import type {
  CacheEntryMetadata,
  CompiledGlob,
  DerivedIndexes,
  EntryVersion,
  LoadThroughContext,
  MaybePromise,
  Store,
  StoreConfig,
} from '@gocache/core';
import { type CompleteStore, completeStore } from '@gocache/core/store-kit';
import { PortableHints } from './portable-hints.js';
import { CAS_ATTEMPTS, PortableInner } from './portable-inner.js';
import { type Envelope, hasMembership, isEnvelope, memberships, valueKey } from './portable-records.js';
import { PortableWrites } from './portable-writes.js';

/** The version core holds for a portable entry: the inner version plus the memberships read with it. */
interface PortableVersion {
  readonly iv: EntryVersion;
  readonly ix: readonly string[];
}

/**
 * A store with index primitives built on another store's key/value primitives only. See
 * `portable-records.ts` for the layout and `README.md` for the guarantees.
 */
export class PortableIndexStore<T> implements Store<T> {
  readonly #inner: CompleteStore<unknown>;
  readonly #io: PortableInner;
  readonly #hints: PortableHints;
  readonly #writes: PortableWrites<T>;
  /** Inner keys whose envelope is being rewritten for its memberships only, with a count per writer. */
  readonly #rewriting = new Map<string, number>();
  /** Present when the inner store has it (distributed single-flight), wrapping its envelopes. */
  declare readonly loadThrough?: NonNullable<Store<T>['loadThrough']>;

  constructor(inner: Store<unknown>, config: StoreConfig) {
    this.#inner = completeStore(inner);
    this.#io = new PortableInner(this.#inner, config.name, config.now);
    this.#hints = new PortableHints(this.#io);
    this.#writes = new PortableWrites<T>(this.#io, this.#hints, (keys) => this.deleteMany(keys));
    if (inner.loadThrough !== undefined) {
      const lt = inner.loadThrough.bind(inner);
      const self = this as { loadThrough?: NonNullable<Store<T>['loadThrough']> };
      self.loadThrough = async (key: string, ttlMs: number, ctx: LoadThroughContext<T>): Promise<T> => {
        const env = await lt(valueKey(key), ttlMs, {
          signal: ctx.signal,
          shouldStore: ctx.shouldStore,
          load: async (): Promise<unknown> => {
            const v = await ctx.load();
            const ix = this.#writes.nextIx(key, v, []);
            // The hints must exist before the entry does; limits are not applied on this path.
            if (ix.length > 0) await this.#hints.touchAll(ix, key, this.#io.expiresAt(ttlMs), 'getOrSet');
            return { v, ix } satisfies Envelope;
          },
        });
        if (isEnvelope(env) && env.ix.length > 0)
          await this.#hints.touchAll(env.ix, key, this.#io.expiresAt(ttlMs), 'getOrSet');
        return this.#io.unwrap(env, 'getOrSet', key) as T;
      };
    }
  }

  // ---- reads --------------------------------------------------------------------------------

  async get(key: string): Promise<T | undefined> {
    return this.#io.unwrap(await this.#inner.get(valueKey(key)), 'get', key) as T | undefined;
  }

  async getMany(keys: readonly string[]): Promise<(T | undefined)[]> {
    const vals = await this.#inner.getMany(keys.map(valueKey));
    return vals.map((v, i) => this.#io.unwrap(v, 'getMany', keys[i]!) as T | undefined);
  }

  has(key: string): MaybePromise<boolean> {
    return this.#inner.has(valueKey(key));
  }

  async getVersioned(key: string): Promise<{ value: T; version: EntryVersion } | undefined> {
    const cur = await this.#io.env(key, 'update');
    if (cur === undefined) return undefined;
    const version: PortableVersion = { iv: cur.version, ix: cur.env.ix };
    return { value: cur.env.v as T, version };
  }

  async getMetadata(key: string): Promise<CacheEntryMetadata | undefined> {
    const [cur, meta] = await Promise.all([this.#io.env(key, 'getMetadata'), this.#inner.getMetadata(valueKey(key))]);
    if (cur === undefined || meta === undefined) return undefined;
    return { ...meta, key, indexes: memberships(cur.env.ix) };
  }

  /**
   * The memberships the hint records hold, dead or alive: the index storage this layer adds (an
   * entry's own memberships live in its envelope and leave with it).
   */
  indexFootprint(): Promise<number> {
    return this.#hints.footprint();
  }

  scan(glob: CompiledGlob): AsyncIterable<string> {
    return this.#io.scan(glob);
  }

  // ---- writes -------------------------------------------------------------------------------

  /** Keep memberships derived from values atomically with every write (see core's `Store.deriveIndexes`). */
  deriveIndexes(indexes: DerivedIndexes): void {
    this.#writes.derive(indexes);
  }

  async set(key: string, value: T, ttlMs: number): Promise<void> {
    await this.#writes.write(key, value, ttlMs, false, 'set');
  }

  async setMany(entries: readonly (readonly [string, T])[], ttlMs: number): Promise<void> {
    await Promise.all(entries.map(([k, v]) => this.#writes.write(k, v, ttlMs, false, 'setMany')));
  }

  async setIfNotExists(key: string, value: T, ttlMs: number): Promise<boolean> {
    const ix = this.#writes.nextIx(key, value, []);
    return this.#writes.withLimits(key, ix, [], ttlMs, 'setIfNotExists', async () =>
      this.#inner.setIfNotExists(valueKey(key), { v: value, ix } satisfies Envelope, ttlMs),
    );
  }

  setIfExists(key: string, value: T, ttlMs: number): Promise<boolean> {
    return this.#writes.write(key, value, ttlMs, true, 'setIfExists');
  }

  async compareAndSet(key: string, expected: EntryVersion | null, value: T, ttlMs: number): Promise<boolean> {
    const old = expected === null ? [] : (expected as PortableVersion).ix;
    const ix = this.#writes.nextIx(key, value, old);
    const iv = expected === null ? null : (expected as PortableVersion).iv;
    return this.#writes.withLimits(key, ix, old, ttlMs, 'update', async () =>
      this.#inner.compareAndSet(valueKey(key), iv, { v: value, ix } satisfies Envelope, ttlMs),
    );
  }

  // ---- deletes ------------------------------------------------------------------------------

  async delete(key: string): Promise<boolean> {
    const cur = await this.#io.env(key, 'delete');
    const removed = await this.#inner.delete(valueKey(key));
    if (cur !== undefined && cur.env.ix.length > 0) await this.#hints.dropAll(cur.env.ix, key);
    return removed;
  }

  async deleteMany(keys: readonly string[]): Promise<number> {
    const envs = await this.#inner.getMany(keys.map(valueKey));
    const removed = await this.#inner.deleteMany(keys.map(valueKey));
    await Promise.all(
      envs.map((e, i) => (isEnvelope(e) && e.ix.length > 0 ? this.#hints.dropAll(e.ix, keys[i]!) : undefined)),
    );
    return removed;
  }

  clear(): MaybePromise<void> {
    return this.#inner.clear();
  }

  async deleteByPattern(glob: CompiledGlob): Promise<number> {
    let removed = 0;
    let batch: string[] = [];
    for await (const k of this.scan(glob)) {
      batch.push(k);
      if (batch.length >= 500) {
        removed += await this.deleteMany(batch);
        batch = [];
      }
    }
    if (batch.length > 0) removed += await this.deleteMany(batch);
    return removed;
  }

  // ---- indexes ------------------------------------------------------------------------------

  async addIndex(indexName: string, key: string, indexKey: string): Promise<boolean> {
    const vk = valueKey(key);
    for (let i = 0; i < CAS_ATTEMPTS; i++) {
      const cur = await this.#io.env(key, 'addIndex');
      if (cur === undefined) return false;
      if (hasMembership(cur.env, indexName, indexKey)) {
        // Already a member: only make sure the hint still names it (a prune may have raced).
        await this.#hints.touch(indexName, indexKey, key, await this.#expiry(key), 'addIndex');
        return true;
      }
      const meta = await this.#inner.getMetadata(vk);
      if (meta === undefined) return false;
      // Hint first: a reader may see a member the envelope does not confirm yet, never the reverse.
      await this.#hints.touch(indexName, indexKey, key, meta.expiresAt, 'addIndex');
      const env: Envelope = { v: cur.env.v, ix: [...cur.env.ix, indexName, indexKey] };
      const ttl = meta.expiresAt === null ? Number.POSITIVE_INFINITY : meta.expiresAt - this.#io.now();
      if (ttl <= 0) return false;
      if (await this.#rewriteMemberships(vk, cur.version, env, ttl)) {
        // A concurrent prune may have read the envelope before this write and dropped the key.
        await this.#hints.touch(indexName, indexKey, key, meta.expiresAt, 'addIndex');
        return true;
      }
    }
    throw this.#io.conflict('addIndex', key);
  }

  /**
   * Rewrite an envelope whose value stays as it is (only its memberships change). The inner
   * store reports the rewrite as `replaced`; it is not the user's overwrite, so while it runs
   * `isMembershipRewrite` tells the provider's leave listener to drop that event.
   */
  async #rewriteMemberships(vk: string, version: EntryVersion, env: Envelope, ttl: number): Promise<boolean> {
    this.#rewriting.set(vk, (this.#rewriting.get(vk) ?? 0) + 1);
    try {
      return await this.#inner.compareAndSet(vk, version, env, ttl);
    } finally {
      const n = this.#rewriting.get(vk)! - 1;
      if (n === 0) this.#rewriting.delete(vk);
      else this.#rewriting.set(vk, n);
    }
  }

  /** True while `innerKey`'s envelope is being rewritten for its memberships only (see `#rewriteMemberships`). */
  isMembershipRewrite(innerKey: string): boolean {
    return this.#rewriting.has(innerKey);
  }

  async #expiry(key: string): Promise<number | null> {
    return (await this.#inner.getMetadata(valueKey(key)))?.expiresAt ?? null;
  }

  async removeIndex(indexName: string, key: string, indexKey: string): Promise<void> {
    const vk = valueKey(key);
    for (let i = 0; i < CAS_ATTEMPTS; i++) {
      const cur = await this.#io.env(key, 'removeIndex');
      if (cur === undefined || !hasMembership(cur.env, indexName, indexKey)) return;
      const meta = await this.#inner.getMetadata(vk);
      if (meta === undefined) return;
      const ix: string[] = [];
      for (let j = 0; j < cur.env.ix.length; j += 2) {
        const n = cur.env.ix[j]!;
        const k = cur.env.ix[j + 1]!;
        if (n !== indexName || k !== indexKey) ix.push(n, k);
      }
      const ttl = meta.expiresAt === null ? Number.POSITIVE_INFINITY : meta.expiresAt - this.#io.now();
      if (ttl <= 0) return;
      if (await this.#rewriteMemberships(vk, cur.version, { v: cur.env.v, ix }, ttl)) {
        await this.#hints.dropAll([indexName, indexKey], key);
        return;
      }
    }
    throw this.#io.conflict('removeIndex', key);
  }

  /** The inner store evicted the record under `innerKey` (see `PortableHints.noteEvicted`). */
  noteEvicted(innerKey: string): void {
    this.#hints.noteEvicted(innerKey);
  }

  getByIndex(indexName: string, indexKey: string): Promise<string[]> {
    return this.#hints.members(indexName, indexKey);
  }

  async deleteByIndex(indexName: string, indexKey: string): Promise<number> {
    const keys = await this.getByIndex(indexName, indexKey);
    return keys.length === 0 ? 0 : this.deleteMany(keys);
  }

  close(): MaybePromise<void> {
    return this.#inner.close();
  }
}
