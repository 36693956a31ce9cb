import type {
  CacheEntryMetadata,
  CompiledGlob,
  DerivedIndexes,
  EntryVersion,
  Invalidation,
  InvalidationBus,
  LiveEntry,
  LoadThroughContext,
  MaybePromise,
  PublishingWrites,
  Store,
} from '@gocache/core';
import { type CompleteStore, completeStore } from '@gocache/core/store-kit';
import type { L1Guard } from './l1-guard.js';
import { L1Invalidation, type Siblings } from './l1-invalidation.js';

export type { Siblings } from './l1-invalidation.js';

/** What a tiered store is made of. */
export interface TieredParts<T> {
  readonly name: string;
  readonly now: () => number;
  readonly l1: Store<T>;
  readonly l2: Store<T>;
  readonly bus: InvalidationBus;
  readonly l1TtlMs: number;
  readonly siblings: Siblings;
}

/**
 * One cache over an L1 (in-process) and an L2 (shared, authoritative) store. L2 is always written
 * first; L1 is a copy that is dropped on every change this process makes, every invalidation
 * another process publishes, and wholesale while the bus is down.
 */
export class TieredStore<T> implements Store<T> {
  readonly #now: () => number;
  readonly #l1: CompleteStore<T>;
  readonly #l2: CompleteStore<T>;
  readonly #l2raw: Store<T>;
  readonly #l1TtlMs: number;
  /**
   * Where single-key writes, touches and deletes go, decided once: L2's publishing writes where L2
   * can publish on this bus (`Store.publishingWrites`: one round trip, and never a change whose
   * invalidation a crash left unsent), else L2 itself, after which the store publishes.
   */
  readonly #single: SingleKeyChanges<T>;
  /** Whether `#single`'s writes and deletes publish themselves. */
  readonly #publishes: boolean;
  /** Whether `#single.touch` publishes itself (L2's publishing writes may lack `touch`). */
  readonly #touchPublishes: boolean;
  /** L1 upkeep and the bus (see l1-invalidation.ts). */
  readonly #inv: L1Invalidation;
  readonly #guard: L1Guard;
  #closed = false;

  /** Present when L2 has them (a capability of L2). */
  declare addIndex?: NonNullable<Store<T>['addIndex']>;
  declare removeIndex?: NonNullable<Store<T>['removeIndex']>;
  declare getByIndex?: NonNullable<Store<T>['getByIndex']>;
  declare deleteByIndex?: NonNullable<Store<T>['deleteByIndex']>;
  declare removeByIndex?: NonNullable<Store<T>['removeByIndex']>;
  declare indexFootprint?: NonNullable<Store<T>['indexFootprint']>;
  declare deriveIndexes?: NonNullable<Store<T>['deriveIndexes']>;
  declare size?: NonNullable<Store<T>['size']>;
  /** Only where L2 touches natively; otherwise core's fallback (a compare-and-set through this store). */
  declare touch?: NonNullable<Store<T>['touch']>;

  constructor(p: TieredParts<T>) {
    this.#now = p.now;
    this.#l1 = completeStore(p.l1);
    this.#l2raw = p.l2;
    this.#l2 = completeStore(p.l2);
    this.#l1TtlMs = p.l1TtlMs;
    const l2 = p.l2;
    const pw = l2.publishingWrites?.(p.bus, p.name);
    this.#publishes = pw !== undefined;
    this.#touchPublishes = pw?.touch !== undefined;
    this.#single = pw === undefined ? this.#l2 : publishingChanges(pw, this.#l2);
    if (l2.addIndex !== undefined && l2.removeIndex !== undefined && l2.getByIndex !== undefined) {
      this.addIndex = l2.addIndex.bind(l2);
      this.removeIndex = l2.removeIndex.bind(l2);
      this.getByIndex = l2.getByIndex.bind(l2);
      this.deleteByIndex = (indexName, indexKey) => this.#deleteByIndex(indexName, indexKey);
      if (l2.removeByIndex !== undefined) {
        const remove = l2.removeByIndex.bind(l2);
        this.removeByIndex = (indexName, indexKey) => this.#removeByIndex(remove, indexName, indexKey);
      }
    }
    if (l2.touch !== undefined) this.touch = (key, ttlMs) => this.#touch(key, ttlMs);
    if (l2.indexFootprint !== undefined) this.indexFootprint = l2.indexFootprint.bind(l2);
    if (l2.size !== undefined) this.size = l2.size.bind(l2);
    if (l2.deriveIndexes !== undefined) {
      const derive = l2.deriveIndexes.bind(l2);
      // Entries a full limited index key gives up leave L2 inside the write's step: they must
      // leave every L1 too, like any removal (dropped here at once, and published with the write).
      this.deriveIndexes = (indexes: DerivedIndexes) =>
        derive({
          ...indexes,
          overLimit: (key, indexName, indexKey, others) => {
            const victims = indexes.overLimit(key, indexName, indexKey, others);
            if (victims.length > 0) {
              const what: Invalidation = { kind: 'keys', keys: victims };
              this.#inv.dropHere(what);
              (this.#gaveUp ??= []).push(...victims);
            }
            return victims;
          },
        });
    }
    this.#inv = new L1Invalidation(p.name, this.#l1 as CompleteStore<unknown>, p.bus, p.siblings);
    this.#guard = this.#inv.guard;
  }

  // ---- reads: L1, then L2 (and fill L1) ----

  get(key: string): T | undefined | Promise<T | undefined> {
    if (this.#guard.trusted) {
      const hit = this.#l1.get(key);
      if (!(hit instanceof Promise)) {
        if (hit !== undefined) return hit;
      } else return hit.then((v) => (v !== undefined ? v : this.#readThrough(key)));
    }
    return this.#readThrough(key);
  }

  #readThrough(key: string): Promise<T | undefined> {
    if (!this.#guard.trusted) return Promise.resolve(this.#l2.get(key));
    const ticket = this.#guard.ticket();
    // The value with its expiry: one read of L2 (one command where L2 has getEntry). A promise
    // chain, not an async frame: a miss should cost the L2 read and the L1 fill, little more.
    let read: MaybePromise<LiveEntry<T> | undefined>;
    try {
      read = this.#l2.getEntry(key);
    } catch (e) {
      this.#guard.done();
      return Promise.reject(e);
    }
    return Promise.resolve(read).then(
      (entry) => {
        let filling: Promise<void> | undefined;
        try {
          if (entry === undefined) return undefined;
          filling = this.#fill(key, entry, ticket);
        } finally {
          this.#guard.done();
        }
        return filling === undefined ? entry.value : filling.then(() => entry.value);
      },
      (e: unknown) => {
        this.#guard.done();
        throw e;
      },
    );
  }

  /**
   * Copy an L2 value into L1 for at most `l1Ttl` and never past the entry's own expiry. Returns
   * L1's promise only when L1 writes asynchronously (a synchronous L1 costs no extra tick).
   */
  #fill(key: string, entry: LiveEntry<T>, ticket: number): Promise<void> | undefined {
    if (!this.#guard.mayFill(key, ticket)) return undefined;
    const left = entry.expiresAt === null ? Number.POSITIVE_INFINITY : entry.expiresAt - this.#now();
    const ttl = Math.min(this.#l1TtlMs, left);
    if (ttl <= 0) return undefined;
    const written = this.#l1.set(key, entry.value, ttl);
    return written instanceof Promise ? written : undefined;
  }

  has(key: string): boolean | Promise<boolean> {
    if (this.#guard.trusted) {
      const hit = this.#l1.has(key);
      if (hit === true) return true;
    }
    return this.#l2.has(key);
  }

  async getMany(keys: readonly string[]): Promise<(T | undefined)[]> {
    const out: (T | undefined)[] = this.#guard.trusted
      ? [...(await this.#l1.getMany(keys))]
      : new Array<T | undefined>(keys.length).fill(undefined);
    const missing: number[] = [];
    for (let i = 0; i < keys.length; i++) if (out[i] === undefined) missing.push(i);
    if (missing.length === 0) return out;
    const missKeys = missing.map((i) => keys[i]!);
    if (!this.#guard.trusted) {
      const vs = await this.#l2.getMany(missKeys);
      missing.forEach((i, j) => void (out[i] = vs[j]));
      return out;
    }
    const ticket = this.#guard.ticket();
    try {
      // One read per missing key (value and expiry together), sent at once.
      const entries = await Promise.all(missKeys.map((k) => this.#l2.getEntry(k)));
      for (let j = 0; j < missing.length; j++) {
        const entry = entries[j];
        if (entry === undefined) continue;
        out[missing[j]!] = entry.value;
        const filling = this.#fill(missKeys[j]!, entry, ticket);
        if (filling !== undefined) await filling;
      }
      return out;
    } finally {
      this.#guard.done();
    }
  }

  // ---- writes: L2 first, then L1, then publish ----

  // The writes hand #write's promise straight back (no async frame of their own: a write's cost is
  // the L2 write plus one publish); `set` and `setMany` resolve to a boolean nobody reads.
  set(key: string, value: T, ttlMs: number): Promise<void> {
    return this.#write(
      [key],
      () => this.#single.set(key, value, ttlMs),
      [[key, value]],
      ttlMs,
      this.#publishes,
    ) as Promise<unknown> as Promise<void>;
  }

  setMany(entries: readonly (readonly [string, T])[], ttlMs: number): Promise<void> {
    return this.#write(
      entries.map(([k]) => k),
      () => this.#l2.setMany(entries, ttlMs),
      entries,
      ttlMs,
    ) as Promise<unknown> as Promise<void>;
  }

  setIfNotExists(key: string, value: T, ttlMs: number): Promise<boolean> {
    const step = () => this.#single.setIfNotExists(key, value, ttlMs);
    return this.#write([key], step, [[key, value]], ttlMs, this.#publishes);
  }

  setIfExists(key: string, value: T, ttlMs: number): Promise<boolean> {
    const step = () => this.#single.setIfExists(key, value, ttlMs);
    return this.#write([key], step, [[key, value]], ttlMs, this.#publishes);
  }

  getVersioned(
    key: string,
  ): Promise<{ value: T; version: EntryVersion } | undefined> | { value: T; version: EntryVersion } | undefined {
    // Versions live in L2: `update` reads and compares there.
    return this.#l2.getVersioned(key);
  }

  compareAndSet(key: string, expected: EntryVersion | null, value: T, ttlMs: number): Promise<boolean> {
    const step = () => this.#single.compareAndSet(key, expected, value, ttlMs);
    return this.#write([key], step, [[key, value]], ttlMs, this.#publishes);
  }

  /** Touch in L2 and drop the L1 copies (the new expiry may be shorter than the one they were capped at). */
  #touch(key: string, ttlMs: number): Promise<boolean> {
    return this.#write([key], () => this.#single.touch(key, ttlMs), undefined, ttlMs, this.#touchPublishes);
  }

  /**
   * Drop `keys` from L1 (here and in sibling stores), run the L2 step, copy `fill` into L1 when it
   * wrote and no invalidation raced it, and publish — also when the step failed, since a write
   * with an unknown outcome may have landed. A step that returns nothing (`set`, `setMany`) wrote.
   * A step that `publishes` sent the invalidation of `keys` itself when it wrote: only entries an
   * index limit gave up meanwhile are left to publish.
   */
  async #write(
    keys: readonly string[],
    step: () => MaybePromise<boolean | undefined> | MaybePromise<void>,
    fill: readonly (readonly [string, T])[] | undefined,
    ttlMs: number,
    publishes = false,
  ): Promise<boolean> {
    let what: Invalidation = { kind: 'keys', keys };
    this.#inv.dropHere(what);
    const ticket = this.#guard.ticket();
    let wrote: boolean;
    try {
      wrote = (await step()) !== false;
    } catch (e) {
      what = this.#withGaveUp(keys);
      this.#guard.done();
      this.#inv.dropHere(what);
      await this.#inv.publish(what).catch(() => {});
      throw e;
    }
    let fillable: readonly (readonly [string, T])[] = [];
    try {
      // Only what no other process changed while the write was under way.
      if (wrote && fill !== undefined) fillable = fill.filter(([k]) => this.#guard.mayFill(k, ticket));
    } finally {
      this.#guard.done();
    }
    // Entries an index limit gave up during the step leave every L1 with the written keys.
    what = this.#withGaveUp(keys);
    if (what.keys !== keys) this.#inv.drop(what);
    // Reads that began before the write landed carry the old value: refuse their fills, here and in siblings.
    this.#guard.keys(what.keys);
    this.#inv.dropInSiblings(what);
    const ttl = Math.min(this.#l1TtlMs, ttlMs);
    for (const [k, v] of fillable) {
      const written = this.#l1.set(k, v, ttl);
      if (written instanceof Promise) await written;
    }
    if (!publishes) {
      if (wrote) await this.#inv.publish(what);
    } else if (what.keys !== keys) {
      await this.#inv.publish({ kind: 'keys', keys: what.keys.slice(keys.length) });
    }
    return wrote;
  }

  /** Keys removed for index limits since the last write took them (any write of this store may publish them). */
  #gaveUp: string[] | undefined;

  /** `keys` plus the entries index limits gave up meanwhile, as one invalidation. */
  #withGaveUp(keys: readonly string[]): { kind: 'keys'; keys: readonly string[] } {
    const gone = this.#gaveUp;
    if (gone === undefined) return { kind: 'keys', keys };
    this.#gaveUp = undefined;
    return { kind: 'keys', keys: [...keys, ...gone] };
  }

  // ---- removals: L1 dropped before and after, L2, then publish ----

  async delete(key: string): Promise<boolean> {
    return this.#remove({ kind: 'keys', keys: [key] }, () => this.#single.delete(key), undefined, this.#publishes);
  }

  async deleteMany(keys: readonly string[]): Promise<number> {
    return this.#remove({ kind: 'keys', keys }, () => this.#l2.deleteMany(keys));
  }

  async clear(): Promise<void> {
    await this.#remove({ kind: 'all' }, () => this.#l2.clear());
  }

  async deleteByPattern(glob: CompiledGlob): Promise<number> {
    return this.#remove({ kind: 'patterns', patterns: [glob.source] }, () => this.#l2.deleteByPattern(glob));
  }

  /**
   * With an L2 that names what it removed: exactly those keys leave every L1. Dropped before from
   * what the set listed, then after (and published) from what L2 says it removed, so a key that
   * joined the set meanwhile is named too.
   */
  async #removeByIndex(
    remove: NonNullable<Store<T>['removeByIndex']>,
    indexName: string,
    indexKey: string,
  ): Promise<readonly string[]> {
    const listed = await this.#l2raw.getByIndex!(indexName, indexKey);
    return this.#remove(
      { kind: 'keys', keys: listed },
      () => remove(indexName, indexKey),
      (removed) => ({ kind: 'keys', keys: [...new Set([...listed, ...removed])] }),
    );
  }

  async #deleteByIndex(indexName: string, indexKey: string): Promise<number> {
    const remove = this.#l2raw.removeByIndex;
    if (remove !== undefined) return (await this.#removeByIndex(remove.bind(this.#l2raw), indexName, indexKey)).length;
    // Without it: the keys L2 held a moment before are what other processes must drop.
    const keys = await this.#l2raw.getByIndex!(indexName, indexKey);
    return this.#remove(
      { kind: 'keys', keys },
      async () =>
        this.#l2raw.deleteByIndex !== undefined
          ? this.#l2raw.deleteByIndex(indexName, indexKey)
          : this.#l2.deleteMany(await this.#l2raw.getByIndex!(indexName, indexKey)),
      // L2 removed a different number of entries than it listed a moment before: a key joined (or
      // left) in between, and a key that joined may sit in another process's L1. Its name is
      // unknown, so every L1 is cleared (fail closed). Same count: see the README's known edge.
      (removed) => (removed === keys.length ? undefined : { kind: 'all' }),
    );
  }

  /**
   * Drop `what` from L1 (here and in siblings), run the L2 removal, then drop and publish it again
   * (or what `widen` makes of the result, when the removal turned out to reach further). A step
   * that `publishes` sent `what` itself.
   */
  async #remove<R>(
    what: Invalidation,
    step: () => R | Promise<R>,
    widen?: (result: R) => Invalidation | undefined,
    publishes = false,
  ): Promise<R> {
    this.#inv.dropHere(what);
    let result: R;
    try {
      result = await step();
    } catch (e) {
      await this.#inv.publish(what).catch(() => {});
      throw e;
    }
    what = widen?.(result) ?? what;
    // Reads that began before the removal landed carry the old value: refuse their fills.
    this.#inv.dropHere(what);
    if (!publishes) await this.#inv.publish(what);
    return result;
  }

  // ---- queries and the rest: L2 ----

  scan(glob: CompiledGlob): AsyncIterable<string> | Iterable<string> {
    return this.#l2.scan(glob);
  }

  getMetadata(key: string): CacheEntryMetadata | undefined | Promise<CacheEntryMetadata | undefined> {
    return this.#l2.getMetadata(key);
  }

  async loadThrough(key: string, ttlMs: number, ctx: LoadThroughContext<T>): Promise<T> {
    // L2's lock and its no-resurrection check decide whether the value is stored; L1 is filled by
    // the next read, from what L2 actually holds.
    const l2 = this.#l2raw;
    if (l2.loadThrough !== undefined) return l2.loadThrough(key, ttlMs, ctx);
    const found = await this.#l2.get(key);
    if (found !== undefined) return found;
    const value = await ctx.load();
    if (ctx.shouldStore()) await this.set(key, value, ttlMs);
    return value;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#inv.close();
    try {
      await this.#l1.close();
    } finally {
      await this.#l2.close();
    }
  }
}

/** The single-key changes of a store: L2's own, or its publishing writes. */
type SingleKeyChanges<T> = Pick<
  CompleteStore<T>,
  'set' | 'setIfNotExists' | 'setIfExists' | 'compareAndSet' | 'touch' | 'delete'
>;

/** `pw` as single-key changes; `touch` from `l2` where the publishing writes have none. */
function publishingChanges<T>(pw: PublishingWrites<T>, l2: CompleteStore<T>): SingleKeyChanges<T> {
  return {
    set: (key, value, ttlMs) => pw.set(key, value, ttlMs),
    setIfNotExists: (key, value, ttlMs) => pw.setIfNotExists(key, value, ttlMs),
    setIfExists: (key, value, ttlMs) => pw.setIfExists(key, value, ttlMs),
    compareAndSet: (key, expected, value, ttlMs) => pw.compareAndSet(key, expected, value, ttlMs),
    touch: pw.touch !== undefined ? (key, ttlMs) => pw.touch!(key, ttlMs) : (key, ttlMs) => l2.touch(key, ttlMs),
    delete: (key) => pw.delete(key),
  };
}
