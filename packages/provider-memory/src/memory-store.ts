import type {
  CacheEntryMetadata,
  CompiledGlob,
  DerivedIndexes,
  EntryVersion,
  LeaveReason,
  LiveEntry,
  Store,
  StoreConfig,
} from '@gocache/core';
import { CacheError } from '@gocache/core';
import { ExpirySweeper, IndexRegistry, LeaveEvents, type Sweepable } from '@gocache/core/store-kit';
import { applyMemberships, type DerivedHost, limitVictims } from './derived-memberships.js';
import type { ResolvedMemoryOptions } from './options.js';
import type { EvictionPolicy } from './policies/eviction-policy.js';
import { grown } from './typed-arrays.js';

const INITIAL_CAPACITY = 16;
/** Per-slot record in `#meta`: four numbers side by side, so a hit touches one cache line, not four arrays. */
const STRIDE = 4;
const CREATED = 0;
const UPDATED = 1;
const ACCESSED = 2;
const HITS = 3;

/** Internal sizes, for tests and diagnostics. */
export interface MemoryStoreStats {
  /** Entries in the key map (expired entries not yet discovered included). */
  entries: number;
  /** Slots allocated in the typed arrays. */
  capacity: number;
  /** Slots ever handed out since the last clear. */
  highWater: number;
  /** Released slots waiting for reuse. */
  freeSlots: number;
  /** Live entries with a finite expiry. */
  expiring: number;
  totalSize: number;
  indexNames: number;
  indexSets: number;
  indexMemberships: number;
  slotsWithMemberships: number;
  /** A background cleanup pass is spread over event-loop turns right now. */
  sweeping: boolean;
  policy: string | undefined;
}

/**
 * The store of one memory cache, laid out like lru-cache: a `Map` from key to slot, and per-slot
 * state in parallel arrays (typed arrays for numbers), with a free-list of released slots. Slots
 * let an `EvictionPolicy` keep its own typed arrays. Nothing is allocated per entry beyond the Map
 * entry, and no timer exists per entry: expiry is a number compared with `now()` on every read,
 * and one sweeper per cache (`@gocache/core/store-kit`) reclaims what nobody reads: a few slots
 * on every write, and in bounded batches on an unref'd timer. Leave events are queued during an
 * operation and sent once it is complete (the store kit's `LeaveEvents`).
 */
export class MemoryStore<T> implements Store<T>, Sweepable<number> {
  readonly #name: string;
  readonly #now: () => number;
  readonly #leave: LeaveEvents;
  /** Whether anyone listens for leave events (values of replaced entries are only kept then). */
  readonly #listening: boolean;
  readonly #maxEntries: number;
  readonly #maxSize: number;
  readonly #sizeOf: ((value: unknown, key: string) => number) | undefined;
  readonly #options: ResolvedMemoryOptions;
  readonly #slotLimit: number;
  readonly #onClose: (() => void) | undefined;

  readonly #map = new Map<string, number>();
  #keys: (string | undefined)[] = [];
  #values: (T | undefined)[] = [];
  #cap = 0;
  #top = 0;
  #free = new Int32Array(0);
  #freeTop = 0;
  /** Epoch ms of expiry, 0 = never. Allocated on the first finite TTL: caches without TTLs skip it. */
  #expires: Float64Array | undefined;
  /**
   * Timestamps as ms since `#base`: Uint32 (4 bytes each) while every stamp is a whole number
   * within 49.7 days of it, widened once to Float64 when one is not (a long-lived process, a
   * clock that steps back or returns fractions). Metadata adds `#base` back.
   */
  #base = 0;
  #wide = false;
  /** `[created, updated, accessed, hits]` per slot (see `STRIDE`). */
  #meta: Uint32Array | Float64Array = new Uint32Array(0);
  /** Allocated by the first `getVersioned`/`compareAndSet`: caches that never `update` skip it. */
  #versions: Uint32Array | undefined;
  #sizes: Float64Array | undefined;
  #totalSize = 0;
  #expiring = 0;
  #seq = 0;
  #policy: EvictionPolicy | undefined;
  #indexes: IndexRegistry | undefined;
  readonly #sweeper: ExpirySweeper<number>;
  /** The clock for access stamps of entries without expiry: `#now`, or a cached `Date.now`. */
  readonly #accessNow: () => number;
  #cachedNow = 0;
  #cachedNowTimer: ReturnType<typeof setTimeout> | undefined;
  #derived: DerivedIndexes | undefined;
  /** Whether `#derived` has the optional `deriveFrom` (core's SPI). */
  #hasDeriveFrom = false;
  #derivedHost: DerivedHost | undefined;
  #closed = false;
  /** A `getMany` is reading: its gets leave sending events to it. */
  #inBatch = false;

  constructor(config: StoreConfig, options: ResolvedMemoryOptions, onClose?: () => void) {
    this.#name = config.name;
    this.#now = config.now;
    this.#leave = new LeaveEvents(config.name, config.onLeave);
    this.#listening = config.onLeave !== undefined;
    this.#maxEntries = config.maxEntries ?? Number.POSITIVE_INFINITY;
    this.#maxSize = options.maxSize ?? Number.POSITIVE_INFINITY;
    this.#sizeOf = options.sizeCalculation;
    this.#options = options;
    // One slot beyond maxEntries: a newcomer is inserted before the policy picks a victim, so an
    // admission policy can refuse the newcomer itself.
    this.#slotLimit = config.maxEntries === undefined ? Number.POSITIVE_INFINITY : config.maxEntries + 1;
    this.#onClose = onClose;
    // With the real clock, a hit on an entry without expiry reads a Date.now cached for ~1 ms
    // (lru-cache's trick): the clock read is the largest cost of a hit. An injected clock is cheap
    // and exact, so it is used as is.
    this.#accessNow = config.now === Date.now ? () => this.#cachedClock() : config.now;
    this.#reset();
    // Always made: the timer only with cleanupIntervalMs, the amortised sweep on writes always.
    this.#sweeper = new ExpirySweeper<number>(this, {
      now: config.now,
      intervalMs: config.cleanupIntervalMs,
      batchSize: options.cleanupBatchSize,
    });
  }

  get(key: string): T | undefined {
    const slot = this.#map.get(key);
    if (slot === undefined) return undefined;
    let now: number;
    const exp = this.#expires;
    const e = exp === undefined ? 0 : exp[slot]!;
    if (e !== 0) {
      // Expiry is always decided by the exact clock.
      now = this.#now();
      if (e <= now) {
        this.#remove(slot, 'expired');
        // Inside getMany the batch sends its events once every key was read.
        if (!this.#inBatch) this.#leave.flush();
        return undefined;
      }
    } else {
      now = this.#accessNow();
    }
    // Stamp first: widening replaces the array, so it must happen before the array is read.
    const stamp = this.#stamp(now);
    const meta = this.#meta;
    const at = slot * STRIDE;
    meta[at + ACCESSED] = stamp;
    meta[at + HITS]!++;
    this.#policy?.access(slot);
    return this.#values[slot];
  }

  /** `get` (a hit, counted and stamped like one) with the entry's expiry, in the same step. */
  getEntry(key: string): LiveEntry<T> | undefined {
    const value = this.get(key);
    if (value === undefined) return undefined;
    // A hit sends no leave event, so nothing ran in between: the slot is the one `get` read.
    const e = this.#expires?.[this.#map.get(key)!] ?? 0;
    return { value, expiresAt: e === 0 ? null : e };
  }

  getMany(keys: readonly string[]): (T | undefined)[] {
    const out = new Array<T | undefined>(keys.length);
    this.#inBatch = true;
    try {
      for (let i = 0; i < keys.length; i++) out[i] = this.get(keys[i]!);
    } finally {
      this.#inBatch = false;
      this.#leave.flush();
    }
    return out;
  }

  has(key: string): boolean {
    const live = this.#live(key) !== undefined;
    this.#leave.flush();
    return live;
  }

  set(key: string, value: T, ttlMs: number): void {
    try {
      // One clock read serves both the old entry's expiry check and the write.
      const now = this.#now();
      this.#write(key, value, ttlMs, this.#liveAt(key, now), now);
    } finally {
      this.#leave.flush();
    }
  }

  setMany(entries: readonly (readonly [string, T])[], ttlMs: number): void {
    try {
      for (const [key, value] of entries) {
        const now = this.#now();
        this.#write(key, value, ttlMs, this.#liveAt(key, now), now);
      }
    } finally {
      this.#leave.flush();
    }
  }

  setIfNotExists(key: string, value: T, ttlMs: number): boolean {
    try {
      if (this.#live(key) !== undefined) return false;
      this.#write(key, value, ttlMs, undefined, this.#now());
      return true;
    } finally {
      this.#leave.flush();
    }
  }

  setIfExists(key: string, value: T, ttlMs: number): boolean {
    try {
      const slot = this.#live(key);
      if (slot === undefined) return false;
      this.#write(key, value, ttlMs, slot, this.#now());
      return true;
    } finally {
      this.#leave.flush();
    }
  }

  /** A new expiry for a live entry, nothing else: O(1), no write of the value, no version change. */
  touch(key: string, ttlMs: number): boolean {
    const slot = this.#live(key);
    if (slot !== undefined) {
      // Index memberships are per slot and filtered by this expiry, so they follow it.
      this.#setExpiry(slot, ttlMs === Number.POSITIVE_INFINITY ? 0 : this.#now() + ttlMs);
    }
    this.#leave.flush();
    return slot !== undefined;
  }

  delete(key: string): boolean {
    const removed = this.#delete(key);
    this.#leave.flush();
    return removed;
  }

  deleteMany(keys: readonly string[]): number {
    let n = 0;
    for (const key of keys) if (this.#delete(key)) n++;
    this.#leave.flush();
    return n;
  }

  clear(): void {
    this.#dropAll('cleared');
  }

  getVersioned(key: string): { value: T; version: EntryVersion } | undefined {
    const slot = this.#live(key);
    if (slot === undefined) {
      this.#leave.flush();
      return undefined;
    }
    // A read-modify-write uses the entry (recency for eviction), but it is not a hit (SPI: core's
    // derived writes and layers such as portableIndexes read through getVersioned).
    this.#meta[slot * STRIDE + ACCESSED] = this.#stamp(this.#now());
    this.#policy?.access(slot);
    return { value: this.#values[slot] as T, version: this.#versionsOn()[slot] };
  }

  compareAndSet(key: string, expected: EntryVersion | null, value: T, ttlMs: number): boolean {
    try {
      const slot = this.#live(key);
      if (expected === null ? slot !== undefined : slot === undefined || this.#versionsOn()[slot] !== expected) {
        return false;
      }
      this.#write(key, value, ttlMs, slot, this.#now());
      return true;
    } finally {
      this.#leave.flush();
    }
  }

  *scan(glob: CompiledGlob): Generator<string, void, undefined> {
    if (glob.literal !== undefined) {
      const live = this.#live(glob.literal) !== undefined;
      this.#leave.flush();
      if (live) yield glob.literal;
      return;
    }
    const { prefix, matchesAll } = glob;
    // Map iteration tolerates removal (of expired entries here, or by callers between yields).
    for (const [key, slot] of this.#map) {
      if (!matchesAll && (!key.startsWith(prefix) || !glob.test(key))) continue;
      if (this.#expiredAt(slot)) {
        this.#remove(slot, 'expired');
        continue;
      }
      // The scan so far is complete: its events go before the caller sees the next key.
      this.#leave.flush();
      yield key;
    }
    this.#leave.flush();
  }

  deleteByPattern(glob: CompiledGlob): number {
    const { prefix, matchesAll } = glob;
    let n = 0;
    if (glob.literal !== undefined) {
      if (this.#delete(glob.literal)) n++;
    } else {
      for (const [key, slot] of this.#map) {
        if (!matchesAll && (!key.startsWith(prefix) || !glob.test(key))) continue;
        const expired = this.#expiredAt(slot);
        this.#remove(slot, expired ? 'expired' : 'deleted');
        if (!expired) n++;
      }
    }
    this.#leave.flush();
    return n;
  }

  getMetadata(key: string): CacheEntryMetadata | undefined {
    const slot = this.#live(key);
    this.#leave.flush();
    if (slot === undefined) return undefined;
    const e = this.#expires?.[slot] ?? 0;
    const meta: CacheEntryMetadata = {
      key,
      createdAt: this.#base + this.#meta[slot * STRIDE + CREATED]!,
      updatedAt: this.#base + this.#meta[slot * STRIDE + UPDATED]!,
      expiresAt: e === 0 ? null : e,
      lastAccessedAt: this.#base + this.#meta[slot * STRIDE + ACCESSED]!,
      hits: this.#meta[slot * STRIDE + HITS]!,
      indexes: this.#indexes?.memberships(slot) ?? [],
    };
    if (this.#sizes !== undefined) meta.sizeBytes = this.#sizes[slot]!;
    return meta;
  }

  addIndex(indexName: string, key: string, indexKey: string): boolean {
    const slot = this.#live(key);
    this.#leave.flush();
    if (slot === undefined) return false;
    this.#indexes ??= new IndexRegistry();
    this.#indexes.add(indexName, indexKey, slot);
    return true;
  }

  removeIndex(indexName: string, key: string, indexKey: string): void {
    const slot = this.#live(key);
    if (slot !== undefined) this.#indexes?.remove(indexName, indexKey, slot);
    this.#leave.flush();
  }

  getByIndex(indexName: string, indexKey: string): string[] {
    const slots = this.#indexes?.slots(indexName, indexKey);
    if (slots === undefined) return [];
    const out: string[] = [];
    let expired: string[] | undefined;
    // Members are slots of entries in the map (a slot leaves its sets before it is reused).
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i]!;
      if (this.#expiredAt(slot)) (expired ??= []).push(this.#keys[slot]!);
      else out.push(this.#keys[slot]!);
    }
    // By key, looked up again: each removal changes the set (and frees a slot).
    if (expired !== undefined) {
      for (const key of expired) this.#remove(this.#map.get(key)!, 'expired');
      this.#leave.flush();
    }
    return out;
  }

  deleteByIndex(indexName: string, indexKey: string): number {
    return this.removeByIndex(indexName, indexKey).length;
  }

  /** `deleteByIndex` naming the live entries it removed. */
  removeByIndex(indexName: string, indexKey: string): string[] {
    const slots = this.#indexes?.slots(indexName, indexKey);
    if (slots === undefined) return [];
    // Keys first: each delete changes the set (and frees a slot another entry may take).
    const keys = slots.map((slot) => this.#keys[slot]!);
    const removed: string[] = [];
    for (const key of keys) if (this.#delete(key)) removed.push(key);
    this.#leave.flush();
    return removed;
  }

  /** Index memberships held, dead or alive (the kit's hygiene checks measure index storage with it). */
  indexFootprint(): number {
    return this.#indexes?.footprint() ?? 0;
  }

  /** Keep memberships derived from values in the same synchronous step as every write. */
  deriveIndexes(indexes: DerivedIndexes): void {
    this.#derived = indexes;
    this.#hasDeriveFrom = typeof indexes.deriveFrom === 'function';
    this.#derivedHost ??= {
      liveKey: (slot) => (this.#expiredAt(slot) ? undefined : this.#keys[slot]),
      createdAt: (k) => this.#base + this.#meta[this.#map.get(k)! * STRIDE + CREATED]!,
      evictForLimit: (k) => {
        // A leave listener of an earlier eviction may already have removed it.
        const slot = this.#map.get(k);
        if (slot !== undefined) this.#remove(slot, 'deleted');
      },
    };
  }

  /** Exact live count; purges expired entries first when any entry can expire. */
  size(): number {
    if (this.#expiring > 0) this.sweep(0, Number.POSITIVE_INFINITY, this.#now());
    this.#leave.flush();
    return this.#map.size;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#sweeper.stop();
    if (this.#cachedNowTimer !== undefined) clearTimeout(this.#cachedNowTimer);
    this.#cachedNowTimer = undefined;
    this.#dropAll('closed');
    this.#onClose?.();
  }

  hasExpiring(): boolean {
    return this.#expiring > 0;
  }

  sweep(cursor: number | undefined, budget: number, now: number): number | undefined {
    const exp = this.#expires;
    if (exp === undefined) return undefined;
    const from = cursor ?? 0;
    const end = Math.min(this.#top, from + budget);
    for (let s = from; s < end; s++) {
      const e = exp[s]!;
      if (e !== 0 && e <= now) this.#remove(s, 'expired');
    }
    return end >= this.#top ? undefined : end;
  }

  afterSweep(): void {
    this.#leave.flush();
  }

  /** Internal sizes, for tests and diagnostics (not part of the public API). */
  stats(): MemoryStoreStats {
    const ix = this.#indexes?.stats();
    return {
      entries: this.#map.size,
      capacity: this.#cap,
      highWater: this.#top,
      freeSlots: this.#freeTop,
      expiring: this.#expiring,
      totalSize: this.#totalSize,
      indexNames: ix?.names ?? 0,
      indexSets: ix?.sets ?? 0,
      indexMemberships: ix?.memberships ?? 0,
      slotsWithMemberships: ix?.slotsWithMemberships ?? 0,
      sweeping: this.#sweeper.sweeping,
      policy: this.#policy?.name,
    };
  }

  /** The slot of a live entry; an expired one found on the way is removed and reported. */
  #live(key: string): number | undefined {
    const slot = this.#map.get(key);
    if (slot === undefined) return undefined;
    if (this.#expiredAt(slot)) {
      this.#remove(slot, 'expired');
      return undefined;
    }
    return slot;
  }

  /** Remove the live entry of `key` (events queued, not sent). */
  #delete(key: string): boolean {
    const slot = this.#live(key);
    if (slot === undefined) return false;
    this.#remove(slot, 'deleted');
    return true;
  }

  /** `#live` with the clock already read. */
  #liveAt(key: string, now: number): number | undefined {
    const slot = this.#map.get(key);
    if (slot === undefined) return undefined;
    const e = this.#expires?.[slot] ?? 0;
    if (e !== 0 && e <= now) {
      this.#remove(slot, 'expired');
      return undefined;
    }
    return slot;
  }

  #expiredAt(slot: number): boolean {
    const exp = this.#expires;
    if (exp === undefined) return false;
    const e = exp[slot]!;
    return e !== 0 && e <= this.#now();
  }

  /** Write `value` under `key`; `slot` is the key's live slot, if any. */
  #write(key: string, value: T, ttlMs: number, slot: number | undefined, now: number): void {
    // Derived memberships and limits are decided before anything changes: a refusal writes nothing.
    const derived = this.#derived;
    let pairs: readonly string[] | undefined;
    // With `deriveFrom`: whether `pairs` is new (a change, in a fresh array) rather than the current list.
    let fresh = false;
    // Entries a full limited index set gives up for this one (decided by the index owner).
    let victims: readonly string[] | undefined;
    if (derived !== undefined) {
      if (!this.#hasDeriveFrom) pairs = derived.derive(key, value);
      else {
        const prev = slot === undefined ? undefined : this.#indexes?.current(slot);
        // Called as a method (no bound wrapper between the store and the plan on every write).
        pairs = derived.deriveFrom!(key, value, prev);
        // Nothing changed (also: no memberships before or after): no membership work at all.
        if (pairs === prev || (prev === undefined && pairs.length === 0)) pairs = undefined;
        else fresh = true;
      }
      if (pairs !== undefined && derived.limits.size > 0) {
        victims = limitVictims(derived, this.#derivedHost!, this.#indexes, key, slot, pairs);
      }
    }
    let size = 0;
    if (this.#sizeOf !== undefined) {
      size = this.#sizeOf(value, key);
      if (!(typeof size === 'number' && size > 0 && Number.isFinite(size))) {
        throw new CacheError(
          'INVALID_ARGUMENT',
          `sizeCalculation returned ${String(size)}; it must return a positive finite number`,
          { cacheName: this.#name, op: 'set', key },
        );
      }
      if (size > this.#maxSize) {
        // Storing it would evict everything else and still not fit.
        if (slot !== undefined) this.#remove(slot, 'replaced');
        this.#leave.add(key, 'evicted', value);
        return;
      }
    }
    // Keep the cached access clock no older than this write, so lastAccessedAt ≥ updatedAt.
    if (this.#cachedNowTimer !== undefined) this.#cachedNow = now;
    const expiresAt = ttlMs === Number.POSITIVE_INFINITY ? 0 : now + ttlMs;
    const stamp = this.#stamp(now);
    // The old value's leave event is queued and sent once the write is complete (the caller
    // flushes): a listener may touch the store (even this key), so it must not see a half-done write.
    let replaced: T | undefined;
    if (slot !== undefined) {
      const old = this.#values[slot];
      this.#values[slot] = value;
      this.#meta[slot * STRIDE + UPDATED] = stamp;
      if (this.#versions !== undefined) this.#versions[slot] = this.#nextVersion();
      this.#setExpiry(slot, expiresAt);
      if (this.#sizes !== undefined) {
        this.#totalSize += size - this.#sizes[slot]!;
        this.#sizes[slot] = size;
      }
      this.#policy?.update(slot);
      // Re-setting the same object is not a departure (a wiping listener must not wipe it).
      if (this.#listening && old !== value) replaced = old;
    } else {
      slot = this.#alloc();
      this.#keys[slot] = key;
      this.#values[slot] = value;
      this.#map.set(key, slot);
      const meta = this.#meta;
      const at = slot * STRIDE;
      meta[at + CREATED] = stamp;
      meta[at + UPDATED] = stamp;
      meta[at + ACCESSED] = stamp;
      meta[at + HITS] = 0;
      if (this.#versions !== undefined) this.#versions[slot] = this.#nextVersion();
      this.#setExpiry(slot, expiresAt);
      if (this.#sizes !== undefined) {
        this.#totalSize += size;
        this.#sizes[slot] = size;
      }
      this.#policy?.insert(slot, key);
    }
    if (pairs !== undefined) applyMemberships(derived!, (this.#indexes ??= new IndexRegistry()), slot, pairs, fresh);
    if (replaced !== undefined) this.#leave.add(key, 'replaced', replaced);
    if (this.#policy !== undefined) this.#evict();
    if (victims !== undefined) for (let i = 0; i < victims.length; i++) this.#derivedHost!.evictForLimit(victims[i]!);
    // Amortised cleanup: a few slots per write, so expired entries nobody reads never pile up,
    // even in a loop that never lets the cleanup timer run.
    if (this.#expiring > 0) this.#sweeper.onWrite(this, now);
  }

  #cachedClock(): number {
    if (this.#cachedNowTimer !== undefined) return this.#cachedNow;
    this.#cachedNow = Date.now();
    this.#cachedNowTimer = setTimeout(this.#expireCachedNow, 1);
    this.#cachedNowTimer.unref?.();
    return this.#cachedNow;
  }

  readonly #expireCachedNow = (): void => {
    this.#cachedNowTimer = undefined;
  };

  /** `now` as a stamp relative to `#base`, widening the timestamp arrays first if it does not fit. */
  #stamp(now: number): number {
    const t = now - this.#base;
    if (!this.#wide && t >>> 0 !== t) this.#widen();
    return t;
  }

  #widen(): void {
    this.#wide = true;
    this.#meta = Float64Array.from(this.#meta);
  }

  #versionsOn(): Uint32Array {
    // Entries written before this have version 0; every later write gives a fresh, non-zero one.
    return (this.#versions ??= new Uint32Array(this.#cap));
  }

  #nextVersion(): number {
    // Store-wide, so a slot reused by a new entry never repeats a version a caller may hold.
    this.#seq = this.#seq === 0xffffffff ? 1 : this.#seq + 1;
    return this.#seq;
  }

  #setExpiry(slot: number, expiresAt: number): void {
    let exp = this.#expires;
    const was = exp === undefined ? 0 : exp[slot]!;
    if (expiresAt !== 0) {
      exp ??= this.#expires = new Float64Array(this.#cap);
      exp[slot] = expiresAt;
      if (was === 0) this.#expiring++;
    } else if (was !== 0) {
      exp![slot] = 0;
      this.#expiring--;
    }
  }

  #evict(): void {
    const policy = this.#policy!;
    while (this.#map.size > this.#maxEntries || this.#totalSize > this.#maxSize) {
      const v = policy.victim();
      if (!(v >= 0 && v < this.#top && this.#keys[v] !== undefined)) {
        throw new CacheError(
          'PROVIDER',
          `eviction policy "${policy.name}" chose slot ${v}, which holds no entry; victim() must return a live slot`,
          { cacheName: this.#name, op: 'set' },
        );
      }
      this.#remove(v, this.#expiredAt(v) ? 'expired' : 'evicted');
    }
  }

  #alloc(): number {
    if (this.#freeTop > 0) return this.#free[--this.#freeTop]!;
    if (this.#top === this.#cap) this.#grow();
    return this.#top++;
  }

  #grow(): void {
    const cap = Math.min(this.#cap * 2, this.#slotLimit);
    this.#meta = grown(this.#meta, cap * STRIDE);
    if (this.#versions !== undefined) this.#versions = grown(this.#versions, cap);
    if (this.#expires !== undefined) this.#expires = grown(this.#expires, cap);
    if (this.#sizes !== undefined) this.#sizes = grown(this.#sizes, cap);
    this.#cap = cap;
    this.#policy?.resize(cap);
  }

  #remove(slot: number, reason: LeaveReason): void {
    const key = this.#keys[slot]!;
    const value = this.#values[slot];
    this.#map.delete(key);
    this.#policy?.remove(slot);
    this.#indexes?.drop(slot);
    const exp = this.#expires;
    if (exp !== undefined && exp[slot] !== 0) {
      exp[slot] = 0;
      this.#expiring--;
    }
    if (this.#sizes !== undefined) {
      this.#totalSize -= this.#sizes[slot]!;
      this.#sizes[slot] = 0;
    }
    this.#keys[slot] = undefined;
    this.#values[slot] = undefined;
    // The free-list grows on demand: a cache that only inserts never pays for it.
    if (this.#freeTop === this.#free.length) this.#free = grown(this.#free, Math.max(16, this.#freeTop * 2));
    this.#free[this.#freeTop++] = slot;
    if (this.#listening) this.#leave.add(key, reason, value);
  }

  /** Every entry leaves with `reason` (expired ones as `expired`), and memory returns to its initial size. */
  #dropAll(reason: LeaveReason): void {
    if (this.#listening) {
      for (const [key, slot] of this.#map) {
        this.#leave.add(key, this.#expiredAt(slot) ? 'expired' : reason, this.#values[slot]);
      }
    }
    this.#reset();
    this.#leave.flush();
  }

  #reset(): void {
    const cap = Math.min(INITIAL_CAPACITY, this.#slotLimit);
    // clear(), not a new Map: a scan iterating across awaits then simply ends.
    this.#map.clear();
    this.#keys = [];
    this.#values = [];
    this.#cap = cap;
    this.#top = 0;
    this.#free = new Int32Array(0);
    this.#freeTop = 0;
    this.#base = Math.floor(this.#now());
    this.#wide = false;
    this.#expires = undefined;
    this.#meta = new Uint32Array(cap * STRIDE);
    this.#versions = undefined;
    this.#sizes = this.#sizeOf === undefined ? undefined : new Float64Array(cap);
    this.#totalSize = 0;
    this.#expiring = 0;
    this.#indexes = undefined;
    const bounded = this.#maxEntries !== Number.POSITIVE_INFINITY || this.#maxSize !== Number.POSITIVE_INFINITY;
    this.#policy = bounded ? this.#makePolicy(cap) : undefined;
  }

  #makePolicy(capacity: number): EvictionPolicy {
    const maxEntries = this.#maxEntries === Number.POSITIVE_INFINITY ? undefined : this.#maxEntries;
    const policy = this.#options.policy({ maxEntries, capacity });
    for (const m of ['resize', 'insert', 'access', 'update', 'remove', 'victim'] as const) {
      if (typeof policy?.[m] !== 'function') {
        throw new CacheError(
          'INVALID_ARGUMENT',
          `the eviction policy factory "${this.#options.policyName}" returned an object without ${m}(); it must return an EvictionPolicy`,
          { cacheName: this.#name, op: 'createCache' },
        );
      }
    }
    return policy;
  }
}
