import {
  type CacheEntryMetadata,
  CacheError,
  type CompiledGlob,
  compileGlob,
  type DerivedIndexes,
  type EntryVersion,
  escapeGlob,
  KeyedQueue,
  type LoadThroughContext,
  type MaybePromise,
  type Store,
  type StoreConfig,
} from '@gocache/core';
import { type CompleteStore, completeStore } from '@gocache/core/store-kit';
import { pairsMinus } from './index-plan.js';
import { type LimitReader, limitLocks, limitVictims } from './limits.js';
import {
  type Envelope,
  type Hint,
  hasMembership,
  hintKey,
  isEnvelope,
  isHint,
  memberships,
  userKey,
  valueKey,
} from './portable-records.js';

/** The version core holds for a portable entry: the inner version plus the memberships read with it. */
interface PortableVersion {
  readonly iv: EntryVersion;
  readonly ix: readonly string[];
}

/** Every hint record's inner key (see `hintKey`). */
const HINTS = compileGlob('i:*');

/** Compare-and-set attempts on one record before `CONFLICT`; only concurrent writers cause retries. */
const CAS_ATTEMPTS = 64;
/** A hint outlives its members' expiry by this much (hint expiries are taken after the entry's write). */
const HINT_SLACK_MS = 1_000;
/** An emptied hint is written with this TTL instead of deleted: the store has no compare-and-delete. */
const EMPTY_HINT_TTL_MS = 1_000;
/** Hints are pruned when they hold more than twice their last live count plus this. */
const PRUNE_FLOOR = 16;

/**
 * A store with index primitives built on another store's key/value primitives only. See
 * `portable-records.ts` for the layout and `README.md` for the guarantees.
 */
export class PortableIndexStore<T> implements Store<T> {
  readonly #inner: CompleteStore<unknown>;
  readonly #name: string;
  readonly #now: () => number;
  readonly #limitLocks = new KeyedQueue();
  #derived: DerivedIndexes | undefined;
  /** Hints the inner store evicted, with a counter per loss: rebuilt from the entries on next read. */
  readonly #lost = new Map<string, number>();
  /** Inner keys whose envelope is being rewritten for its memberships only, with a count per writer. */
  readonly #rewriting = new Map<string, number>();
  /** Present when the inner store has it (distributed single-flight), wrapping its envelopes. */
  declare readonly loadThrough?: NonNullable<Store<T>['loadThrough']>;

  constructor(inner: Store<unknown>, config: StoreConfig) {
    this.#inner = completeStore(inner);
    this.#name = config.name;
    this.#now = config.now;
    if (inner.loadThrough !== undefined) {
      const lt = inner.loadThrough.bind(inner);
      const self = this as { loadThrough?: NonNullable<Store<T>['loadThrough']> };
      self.loadThrough = async (key: string, ttlMs: number, ctx: LoadThroughContext<T>): Promise<T> => {
        const env = await lt(valueKey(key), ttlMs, {
          signal: ctx.signal,
          shouldStore: ctx.shouldStore,
          load: async (): Promise<unknown> => {
            const v = await ctx.load();
            const ix = this.#nextIx(key, v, []);
            // The hints must exist before the entry does; limits are not applied on this path.
            if (ix.length > 0) await this.#touchHints(ix, key, this.#expiresAt(ttlMs), 'getOrSet');
            return { v, ix } satisfies Envelope;
          },
        });
        if (isEnvelope(env) && env.ix.length > 0)
          await this.#touchHints(env.ix, key, this.#expiresAt(ttlMs), 'getOrSet');
        return this.#unwrap(env, 'getOrSet', key) as T;
      };
    }
  }

  #unwrap(value: unknown, op: string, key: string): unknown {
    if (value === undefined) return undefined;
    if (!isEnvelope(value)) {
      throw new CacheError(
        'SERIALIZATION',
        'the stored record was not written by @gocache/indexing portableIndexes; do not share a namespace between a portable and a plain cache',
        { cacheName: this.#name, op, key },
      );
    }
    return value.v;
  }

  async #env(key: string, op: string): Promise<{ env: Envelope; version: EntryVersion } | undefined> {
    const cur = await this.#inner.getVersioned(valueKey(key));
    if (cur === undefined) return undefined;
    this.#unwrap(cur.value, op, key);
    return { env: cur.value as Envelope, version: cur.version };
  }

  #conflict(op: string, key: string): CacheError {
    return new CacheError(
      'CONFLICT',
      `the record kept changing under concurrent writers; gave up after ${CAS_ATTEMPTS} attempts — retry`,
      { cacheName: this.#name, op, key },
    );
  }

  #expiresAt(ttlMs: number): number | null {
    return ttlMs === Number.POSITIVE_INFINITY ? null : this.#now() + ttlMs;
  }

  // ---- reads --------------------------------------------------------------------------------

  async get(key: string): Promise<T | undefined> {
    return this.#unwrap(await this.#inner.get(valueKey(key)), 'get', key) as T | undefined;
  }

  async getMany(keys: readonly string[]): Promise<(T | undefined)[]> {
    const vals = await this.#inner.getMany(keys.map(valueKey));
    return vals.map((v, i) => this.#unwrap(v, 'getMany', keys[i]!) as T | undefined);
  }

  has(key: string): MaybePromise<boolean> {
    return this.#inner.has(valueKey(key));
  }

  async getVersioned(key: string): Promise<{ value: T; version: EntryVersion } | undefined> {
    const cur = await this.#env(key, 'update');
    if (cur === undefined) return undefined;
    const version: PortableVersion = { iv: cur.version, ix: cur.env.ix };
    return { value: cur.env.v as T, version };
  }

  async getMetadata(key: string): Promise<CacheEntryMetadata | undefined> {
    const [cur, meta] = await Promise.all([this.#env(key, 'getMetadata'), this.#inner.getMetadata(valueKey(key))]);
    if (cur === undefined || meta === undefined) return undefined;
    return { ...meta, key, indexes: memberships(cur.env.ix) };
  }

  #glob(glob: CompiledGlob): CompiledGlob {
    return compileGlob(escapeGlob('v:') + glob.source);
  }

  /**
   * The memberships the hint records hold, dead or alive: the index storage this layer adds (an
   * entry's own memberships live in its envelope and leave with it).
   */
  async indexFootprint(): Promise<number> {
    let n = 0;
    for await (const k of this.#inner.scan(HINTS)) {
      const hint = await this.#inner.get(k);
      if (isHint(hint)) n += hint.m.length;
    }
    return n;
  }

  async *scan(glob: CompiledGlob): AsyncIterable<string> {
    for await (const k of this.#inner.scan(this.#glob(glob))) {
      const u = userKey(k);
      if (u !== undefined) yield u;
    }
  }

  // ---- writes -------------------------------------------------------------------------------

  /**
   * Write `value` keeping the entry's memberships (an overwrite does not leave its indexes), or,
   * with derived indexes, replacing the derived ones with what `value` derives — in the same
   * compare-and-set as the value, so the entry is never live without its memberships.
   */
  async #write(key: string, value: T, ttlMs: number, onlyIfExists: boolean, op: string): Promise<boolean> {
    const vk = valueKey(key);
    for (let i = 0; i < CAS_ATTEMPTS; i++) {
      const cur = await this.#env(key, op);
      if (cur === undefined && onlyIfExists) return false;
      const old = cur?.env.ix ?? [];
      const ix = this.#nextIx(key, value, old);
      const done = await this.#withLimits(key, ix, old, ttlMs, op, async () => {
        const env: Envelope = { v: value, ix };
        return this.#inner.compareAndSet(vk, cur === undefined ? null : cur.version, env, ttlMs);
      });
      if (done) return true;
    }
    throw this.#conflict(op, key);
  }

  /** The memberships an entry holding `value` must have: `old` with the derived ones re-derived. */
  #nextIx(key: string, value: T, old: readonly string[]): readonly string[] {
    const d = this.#derived;
    if (d === undefined) return old;
    const derived = d.derive(key, value);
    if (old.length === 0) return derived;
    const kept: string[] = [];
    for (let i = 0; i + 1 < old.length; i += 2) if (!d.names.has(old[i]!)) kept.push(old[i]!, old[i + 1]!);
    return kept.length === 0 ? derived : [...kept, ...derived];
  }

  /**
   * Around one write whose entry ends with memberships `ix` (having had `old`): ask the index
   * owner about every full limited set it joins (a refusal writes nothing), make the hints outlive
   * the entry before it exists, write, then remove the entries the owner gave up. Limit decisions
   * are serialised per index key within this process.
   */
  async #withLimits(
    key: string,
    ix: readonly string[],
    old: readonly string[],
    ttlMs: number,
    op: string,
    write: () => Promise<boolean>,
  ): Promise<boolean> {
    const d = this.#derived;
    const joined: string[] = [];
    if (d !== undefined && d.limits.size > 0) {
      for (let i = 0; i + 1 < ix.length; i += 2) {
        if (d.limits.has(ix[i]!) && !pairIn(old, ix[i]!, ix[i + 1]!)) joined.push(ix[i]!, ix[i + 1]!);
      }
    }
    let victims: string[] = [];
    const run = async () => {
      if (joined.length > 0) victims = await limitVictims(d!, this.#limitReader, key, joined);
      if (ix.length > 0) await this.#touchHints(ix, key, this.#expiresAt(ttlMs), op, false);
      if (!(await write())) return false;
      if (ix.length > 0) {
        // A prune (or a delete's hint cleanup) that read this key's old envelope may have dropped
        // it from a hint after the touch above: name it again now that the envelope confirms it.
        // The expiry is taken after the write, so the hints surely outlive the entry.
        const fresh = pairsMinus(ix, old);
        const expiresAt = this.#expiresAt(ttlMs);
        if (fresh.length > 0) await this.#touchHints(fresh, key, expiresAt, op, true);
        if (fresh.length < ix.length) await this.#touchHints(pairsMinus(ix, fresh), key, expiresAt, op, false);
      }
      // Memberships the new value no longer derives: keep their hints from growing.
      if (old.length > 0 && old !== ix) {
        const left = pairsMinus(old, ix);
        if (left.length > 0) await this.#dropFromHints(left, key);
      }
      if (victims.length > 0) await this.deleteMany(victims);
      return true;
    };
    return joined.length === 0 ? run() : this.#limitLocks.runAll(limitLocks(d!, joined), run);
  }

  /** What limit decisions read: live members (through the hints) and creation times. */
  readonly #limitReader: LimitReader = {
    members: (name, ik) => this.getByIndex(name, ik),
    createdAt: async (keys) =>
      (await Promise.all(keys.map((k) => this.#inner.getMetadata(valueKey(k))))).map((m) => m?.createdAt),
  };

  /** Keep memberships derived from values atomically with every write (see core's `Store.deriveIndexes`). */
  deriveIndexes(indexes: DerivedIndexes): void {
    this.#derived = indexes;
  }

  async set(key: string, value: T, ttlMs: number): Promise<void> {
    await this.#write(key, value, ttlMs, false, 'set');
  }

  async setMany(entries: readonly (readonly [string, T])[], ttlMs: number): Promise<void> {
    await Promise.all(entries.map(([k, v]) => this.#write(k, v, ttlMs, false, 'setMany')));
  }

  async setIfNotExists(key: string, value: T, ttlMs: number): Promise<boolean> {
    const ix = this.#nextIx(key, value, []);
    return this.#withLimits(key, ix, [], ttlMs, 'setIfNotExists', async () =>
      this.#inner.setIfNotExists(valueKey(key), { v: value, ix } satisfies Envelope, ttlMs),
    );
  }

  setIfExists(key: string, value: T, ttlMs: number): Promise<boolean> {
    return this.#write(key, value, ttlMs, true, 'setIfExists');
  }

  async compareAndSet(key: string, expected: EntryVersion | null, value: T, ttlMs: number): Promise<boolean> {
    const old = expected === null ? [] : (expected as PortableVersion).ix;
    const ix = this.#nextIx(key, value, old);
    const iv = expected === null ? null : (expected as PortableVersion).iv;
    return this.#withLimits(key, ix, old, ttlMs, 'update', async () =>
      this.#inner.compareAndSet(valueKey(key), iv, { v: value, ix } satisfies Envelope, ttlMs),
    );
  }

  // ---- deletes ------------------------------------------------------------------------------

  async delete(key: string): Promise<boolean> {
    const cur = await this.#env(key, 'delete');
    const removed = await this.#inner.delete(valueKey(key));
    if (cur !== undefined && cur.env.ix.length > 0) await this.#dropFromHints(cur.env.ix, key);
    return removed;
  }

  async deleteMany(keys: readonly string[]): Promise<number> {
    const envs = await this.#inner.getMany(keys.map(valueKey));
    const removed = await this.#inner.deleteMany(keys.map(valueKey));
    await Promise.all(
      envs.map((e, i) => (isEnvelope(e) && e.ix.length > 0 ? this.#dropFromHints(e.ix, keys[i]!) : undefined)),
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
      const cur = await this.#env(key, 'addIndex');
      if (cur === undefined) return false;
      if (hasMembership(cur.env, indexName, indexKey)) {
        // Already a member: only make sure the hint still names it (a prune may have raced).
        await this.#touchHint(indexName, indexKey, key, await this.#expiry(key), 'addIndex');
        return true;
      }
      const meta = await this.#inner.getMetadata(vk);
      if (meta === undefined) return false;
      // Hint first: a reader may see a member the envelope does not confirm yet, never the reverse.
      await this.#touchHint(indexName, indexKey, key, meta.expiresAt, 'addIndex');
      const env: Envelope = { v: cur.env.v, ix: [...cur.env.ix, indexName, indexKey] };
      const ttl = meta.expiresAt === null ? Number.POSITIVE_INFINITY : meta.expiresAt - this.#now();
      if (ttl <= 0) return false;
      if (await this.#rewriteMemberships(vk, cur.version, env, ttl)) {
        // A concurrent prune may have read the envelope before this write and dropped the key.
        await this.#touchHint(indexName, indexKey, key, meta.expiresAt, 'addIndex');
        return true;
      }
    }
    throw this.#conflict('addIndex', key);
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
      const cur = await this.#env(key, 'removeIndex');
      if (cur === undefined || !hasMembership(cur.env, indexName, indexKey)) return;
      const meta = await this.#inner.getMetadata(vk);
      if (meta === undefined) return;
      const ix: string[] = [];
      for (let j = 0; j < cur.env.ix.length; j += 2) {
        const n = cur.env.ix[j]!;
        const k = cur.env.ix[j + 1]!;
        if (n !== indexName || k !== indexKey) ix.push(n, k);
      }
      const ttl = meta.expiresAt === null ? Number.POSITIVE_INFINITY : meta.expiresAt - this.#now();
      if (ttl <= 0) return;
      if (await this.#rewriteMemberships(vk, cur.version, { v: cur.env.v, ix }, ttl)) {
        await this.#dropFromHints([indexName, indexKey], key);
        return;
      }
    }
    throw this.#conflict('removeIndex', key);
  }

  /**
   * The inner store evicted the record under `innerKey`. An evicted entry takes its memberships
   * along (they are in its record); an evicted hint would hide live members, so it is marked lost
   * and rebuilt from the entries themselves before the next query of that set answers.
   */
  noteEvicted(innerKey: string): void {
    if (userKey(innerKey) !== undefined) return;
    this.#lost.set(innerKey, (this.#lost.get(innerKey) ?? 0) + 1);
  }

  /** Rebuild a lost hint by scanning every entry (rare: only after the inner store evicted it). */
  async #recover(hk: string, indexName: string, indexKey: string): Promise<void> {
    const losses = this.#lost.get(hk);
    const found: string[] = [];
    let batch: string[] = [];
    const flush = async () => {
      found.push(...(await this.#confirmed(batch, indexName, indexKey)));
      batch = [];
    };
    for await (const k of this.scan(compileGlob('*'))) {
      batch.push(k);
      if (batch.length >= 500) await flush();
    }
    if (batch.length > 0) await flush();
    for (let i = 0; i < CAS_ATTEMPTS; i++) {
      const cur = await this.#inner.getVersioned(hk);
      const old = cur !== undefined && isHint(cur.value) ? cur.value : undefined;
      const m = [...new Set([...(old?.m ?? []), ...found])];
      // Member expiries are unknown here: the hint lives until pruned empty.
      const next: Hint = { m, live: m.length, exp: null };
      if (await this.#inner.compareAndSet(hk, cur?.version ?? null, next, this.#hintTtl(next))) {
        if (this.#lost.get(hk) === losses) this.#lost.delete(hk);
        return;
      }
    }
    throw this.#conflict('getByIndex', hk);
  }

  async getByIndex(indexName: string, indexKey: string): Promise<string[]> {
    const hk = hintKey(indexName, indexKey);
    if (this.#lost.has(hk)) await this.#recover(hk, indexName, indexKey);
    const cur = await this.#inner.getVersioned(hk);
    if (cur === undefined || !isHint(cur.value)) return [];
    const hint = cur.value;
    const live = await this.#confirmed(hint.m, indexName, indexKey);
    if (live.length < hint.m.length) {
      // Best effort: a lost race only means the next reader prunes.
      try {
        const next: Hint = { ...hint, m: live, live: live.length };
        await this.#inner.compareAndSet(hk, cur.version, next, this.#hintTtl(next));
      } catch {}
    }
    return live;
  }

  async deleteByIndex(indexName: string, indexKey: string): Promise<number> {
    const keys = await this.getByIndex(indexName, indexKey);
    return keys.length === 0 ? 0 : this.deleteMany(keys);
  }

  /** The keys of `candidates` whose live envelope lists the membership. */
  async #confirmed(candidates: readonly string[], indexName: string, indexKey: string): Promise<string[]> {
    if (candidates.length === 0) return [];
    const envs = await this.#inner.getMany(candidates.map(valueKey));
    const out: string[] = [];
    for (let i = 0; i < candidates.length; i++) {
      const e = envs[i];
      if (isEnvelope(e) && hasMembership(e, indexName, indexKey)) out.push(candidates[i]!);
    }
    return out;
  }

  #hintTtl(h: Hint): number {
    if (h.m.length === 0) return EMPTY_HINT_TTL_MS;
    if (h.exp === null) return Number.POSITIVE_INFINITY;
    return Math.max(h.exp - this.#now(), 0) + HINT_SLACK_MS;
  }

  async #touchHints(
    ix: readonly string[],
    key: string,
    expiresAt: number | null,
    op: string,
    force = true,
  ): Promise<void> {
    const work: Promise<void>[] = [];
    for (let i = 0; i + 1 < ix.length; i += 2) {
      work.push(this.#touchHint(ix[i]!, ix[i + 1]!, key, expiresAt, op, force));
    }
    await Promise.all(work);
  }

  /**
   * Make the hint name `key` and live at least until `expiresAt`. With `force` it always writes
   * (bumping the hint's version), so a prune that read the hint earlier cannot land over this;
   * without, a hint that already names `key` long enough is left alone.
   */
  async #touchHint(
    indexName: string,
    indexKey: string,
    key: string,
    expiresAt: number | null,
    op: string,
    force = true,
  ) {
    const hk = hintKey(indexName, indexKey);
    for (let i = 0; i < CAS_ATTEMPTS; i++) {
      const cur = await this.#inner.getVersioned(hk);
      const old = cur !== undefined && isHint(cur.value) ? cur.value : undefined;
      if (
        !force &&
        old !== undefined &&
        old.m.includes(key) &&
        (old.exp === null || (expiresAt !== null && old.exp >= expiresAt))
      ) {
        return;
      }
      let m = old?.m ?? [];
      let live = old?.live ?? 0;
      if (m.length > 2 * live + PRUNE_FLOOR) {
        m = await this.#confirmed(m, indexName, indexKey);
        live = m.length;
      }
      if (!m.includes(key)) m = [...m, key];
      const exp =
        old === undefined ? expiresAt : old.exp === null || expiresAt === null ? null : Math.max(old.exp, expiresAt);
      const next: Hint = { m, live: Math.max(live, 1), exp };
      if (await this.#inner.compareAndSet(hk, cur?.version ?? null, next, this.#hintTtl(next))) return;
    }
    throw this.#conflict(op, key);
  }

  /** Take `key` out of the hints of `ix` (storage hygiene; queries never depend on it). */
  async #dropFromHints(ix: readonly string[], key: string): Promise<void> {
    const work: Promise<void>[] = [];
    for (let i = 0; i + 1 < ix.length; i += 2) work.push(this.#dropFromHint(ix[i]!, ix[i + 1]!, key));
    await Promise.all(work);
  }

  async #dropFromHint(indexName: string, indexKey: string, key: string): Promise<void> {
    const hk = hintKey(indexName, indexKey);
    for (let i = 0; i < 4; i++) {
      const cur = await this.#inner.getVersioned(hk);
      if (cur === undefined || !isHint(cur.value) || !cur.value.m.includes(key)) return;
      // Read after the hint's version: a re-created entry that joined meanwhile keeps its place.
      if ((await this.#confirmed([key], indexName, indexKey)).length > 0) return;
      const m = cur.value.m.filter((k) => k !== key);
      const next: Hint = { m, live: Math.min(cur.value.live, m.length), exp: cur.value.exp };
      if (await this.#inner.compareAndSet(hk, cur.version, next, this.#hintTtl(next))) return;
    }
  }

  close(): MaybePromise<void> {
    return this.#inner.close();
  }
}

function pairIn(ix: readonly string[], indexName: string, indexKey: string): boolean {
  for (let i = 0; i + 1 < ix.length; i += 2) if (ix[i] === indexName && ix[i + 1] === indexKey) return true;
  return false;
}
