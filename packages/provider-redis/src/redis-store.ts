/**
 * The Redis store: one cache's storage, its reads, touches, versions for `update`, metadata and
 * explicit index operations. Larger groups live in modules of their own, sharing a `StoreHost`:
 * the write path (`write-path.ts`), removals (`removals.ts`), batch reads (`batch-reads.ts`),
 * index sets (`index-ops.ts`), the load protocol (`load-through.ts`, `flights.ts`).
 */
import { randomBytes } from 'node:crypto';
import {
  type CacheEntryMetadata,
  CacheError,
  type CompiledGlob,
  type DerivedIndexes,
  type EntryVersion,
  type InvalidationBus,
  type LiveEntry,
  type LoadThroughContext,
  type PublishingWrites,
  type Store,
} from '@gocache/core';
import { BatchReads } from './batch-reads.js';
import type { BusMessage } from './bus-wire.js';
import { EntryReads, storedExpiry } from './entry-reads.js';
import { Flights } from './flights.js';
import { IndexOps } from './index-ops.js';
import { decodePart } from './key-codec.js';
import { loadThrough } from './load-through.js';
import { argv, FIELD } from './protocol.js';
import { RedisBus } from './redis-bus.js';
import type { Outcome } from './redis-executor.js';
import { Removals } from './removals.js';
import { scanWalk } from './scan-walk.js';
import { META, TOUCH } from './scripts.js';
import { type RedisStoreDeps, type StoreHost, storeHost } from './store-host.js';
import { isForeign, StoredValues } from './stored-values.js';
import { UpdateTickets } from './update-tickets.js';
import { expiresOf, type WriteExtra, WritePath } from './write-path.js';

/** One cache's storage in Redis. See `KeyLayout` for where things live and `scripts.ts` for how. */
export class RedisStore<T> implements Store<T> {
  readonly #d: RedisStoreDeps;
  readonly #inline: string;
  readonly #site: StoreHost['site'];
  readonly #values: StoredValues<T>;
  readonly #indexes: IndexOps;
  readonly #tickets: UpdateTickets;
  readonly #flights: Flights;
  readonly #reads: BatchReads<T>;
  readonly #entries: EntryReads<T>;
  readonly #writes: WritePath<T>;
  readonly #removals: Removals;
  // Versions of undecodable entries read as misses (onDecodeError 'miss'), so update can replace them.
  readonly #corrupt = new Map<string, string>();
  readonly #closing = new AbortController();

  /**
   * Keep value-derived index memberships atomic with every write (core's optional SPI). Only on a
   * single server: a cluster cannot change an entry and index sets in other slots atomically, so
   * there the method is absent and `@gocache/indexing` reconciles memberships itself.
   */
  readonly deriveIndexes?: (indexes: DerivedIndexes) => void;

  constructor(deps: RedisStoreDeps) {
    const host = storeHost(deps);
    this.#d = deps;
    this.#inline = host.inline;
    this.#site = host.site;
    this.#values = new StoredValues(deps.name, deps.codec, deps.metrics, deps.onDecodeError);
    this.#indexes = new IndexOps(deps.exec, deps.layout);
    this.#flights = new Flights(deps.exec, deps.layout);
    this.#tickets = new UpdateTickets(deps.exec, deps.layout, (key) => this.#site('update', key));
    this.#reads = new BatchReads(host, this.#values);
    this.#entries = new EntryReads(host, this.#values);
    this.#writes = new WritePath(host, this.#values, this.#indexes);
    this.#removals = new Removals(host, {
      indexes: this.#indexes,
      flights: this.#flights,
      scan: (glob) => this.scan(glob),
      corrupt: this.#corrupt,
    });
    if (!deps.exec.isCluster) {
      this.deriveIndexes = (indexes) => this.#writes.derive(indexes);
    }
  }

  get(key: string): Promise<T | undefined> {
    const e = this.#d.layout.entry(key);
    // No async layer and no continuation of its own: the executor decodes the reply as it settles.
    return this.#d.exec.send(this.#site('get', key), e, ['HGET', e, FIELD.value], this.#getOutcome);
  }

  /** How `get` reads a reply: bytes decoded, `null` a miss, foreign data per `onDecodeError`. */
  readonly #getOutcome: Outcome<T | undefined> = {
    ok: (raw, site) => (raw === null ? undefined : this.#values.decode(raw as Buffer, site.key!, 'get')),
    fail: (err, site) => {
      if (!isForeign(err)) throw err;
      return this.#values.foreign(site.key!, 'get');
    },
  };

  getEntry(key: string): Promise<LiveEntry<T> | undefined> {
    return this.#entries.read(key);
  }

  getMany(keys: readonly string[]): Promise<(T | undefined)[]> {
    return this.#reads.getMany(keys);
  }

  async has(key: string): Promise<boolean> {
    const e = this.#d.layout.entry(key);
    return (await this.#d.exec.send(this.#site('has', key), e, ['EXISTS', e])) === 1;
  }

  async set(key: string, value: T, ttlMs: number): Promise<void> {
    await this.#writes.write('set', 'set', key, value, ttlMs);
  }

  setMany(entries: readonly (readonly [string, T])[], ttlMs: number): Promise<void> {
    return this.#writes.setMany(entries, ttlMs);
  }

  setIfNotExists(key: string, value: T, ttlMs: number): Promise<boolean> {
    return this.#writes.write('setIfNotExists', 'nx', key, value, ttlMs);
  }

  setIfExists(key: string, value: T, ttlMs: number): Promise<boolean> {
    return this.#writes.write('setIfExists', 'xx', key, value, ttlMs);
  }

  /** One script: a new expiry, value and version untouched, index scores following; false on a miss. */
  touch(key: string, ttlMs: number): Promise<boolean> {
    return this.#touch(key, ttlMs, undefined);
  }

  async #touch(key: string, ttlMs: number, publish: BusMessage | undefined): Promise<boolean> {
    const e = this.#d.layout.entry(key);
    const site = this.#site('touch', key);
    const ttl = this.#writes.ttl(ttlMs, 'touch', key);
    const args = argv('touch', {
      ttl,
      expires: expiresOf(Date.now(), ttl),
      inline: this.#inline,
      ...publish,
    });
    const r = await this.#d.exec.eval(site, TOUCH, [e], args);
    if (!Array.isArray(r)) return r === 1;
    // Cluster: the entry's index sets live in other slots; re-score them after the entry.
    await this.#indexes.rescore(site, [[key, r]]);
    return true;
  }

  delete(key: string): Promise<boolean> {
    return this.#removals.delete(key);
  }

  deleteMany(keys: readonly string[]): Promise<number> {
    return this.#removals.deleteMany(keys);
  }

  clear(): Promise<void> {
    return this.#removals.clear();
  }

  /** The members of this cache's index sets, dead or alive (SCAN of the index keys, ZCARD each). */
  async indexFootprint(): Promise<number> {
    const { exec, layout, scanCount } = this.#d;
    const site = this.#site('indexFootprint');
    const seen = new Set<string>();
    let n = 0;
    for await (const { keys } of scanWalk(exec, site, layout.indexMatch(), scanCount)) {
      const fresh = keys.filter((k) => !seen.has(k));
      for (const k of fresh) seen.add(k);
      const counts = await exec.batch(
        site,
        fresh.map((k) => ({ key: k, args: ['ZCARD', k] })),
      );
      for (const c of counts) n += Number(c);
    }
    return n;
  }

  async getVersioned(key: string): Promise<{ value: T; version: EntryVersion } | undefined> {
    if (this.#tickets.mustWait(key)) await this.#tickets.beforeRead(key, newToken);
    const e = this.#d.layout.entry(key);
    let reply: unknown;
    try {
      reply = await this.#d.exec.send(this.#site('update', key), e, ['HMGET', e, FIELD.value, FIELD.version]);
    } catch (err) {
      if (!isForeign(err)) throw err;
      const v = this.#values.foreign(key, 'update');
      // Read as a miss ('miss' mode): the compare-and-set may then replace the foreign data.
      if (v === undefined) this.#markCorrupt(key, FOREIGN);
      return undefined;
    }
    const [raw, version] = reply as [Buffer | null, Buffer | null];
    if (raw === null || version === null) return undefined;
    const value = this.#values.decode(raw, key, 'update');
    if (value === undefined) {
      this.#markCorrupt(key, version.toString());
      return undefined;
    }
    return { value, version: version.toString() };
  }

  #markCorrupt(key: string, version: string): void {
    if (this.#corrupt.size >= 10_000) this.#corrupt.clear();
    this.#corrupt.set(key, version);
  }

  compareAndSet(key: string, expected: EntryVersion | null, value: T, ttlMs: number): Promise<boolean> {
    return this.#compareAndSet(key, expected, value, ttlMs, undefined);
  }

  async #compareAndSet(
    key: string,
    expected: EntryVersion | null,
    value: T,
    ttlMs: number,
    publish: BusMessage | undefined,
  ): Promise<boolean> {
    const exp = expected === null ? (this.#corrupt.get(key) ?? '') : String(expected);
    this.#corrupt.delete(key);
    const extra: WriteExtra = {
      expected: exp,
      version: this.#writes.newVersion(),
      token: this.#tickets.token(key),
      publish,
    };
    let ok: boolean;
    try {
      ok = await this.#writes.write('update', 'cas', key, value, ttlMs, extra);
    } catch (e) {
      // The outcome is unknown (timeout, dropped socket). The script is idempotent for this new
      // version — it reports success if the first attempt landed — so asking once more is safe.
      if (!CacheError.isInstance(e) || (e.code !== 'TIMEOUT' && e.code !== 'UNAVAILABLE')) throw e;
      ok = await this.#writes.write('update', 'cas', key, value, ttlMs, extra);
    }
    if (ok) this.#tickets.won(key);
    else await this.#tickets.afterCas(key, false);
    return ok;
  }

  /**
   * With a `redisBus` on the same client: the WRITE, TOUCH and DELETE scripts publish the key's
   * invalidation themselves, once the change is certain — the change and its message are one step (see `RedisBus.viaStep`).
   */
  publishingWrites(bus: InvalidationBus, cache: string): PublishingWrites<T> | undefined {
    if (!(bus instanceof RedisBus) || !bus.publishesOn(this.#d.client)) return undefined;
    const w = this.#writes;
    const wrote = (r: boolean) => r;
    const always = () => true;
    return {
      set: (key, value, ttlMs) =>
        bus
          .viaStep(cache, key, (publish) => w.write('set', 'set', key, value, ttlMs, { publish }), wrote)
          .then(() => {}),
      setIfNotExists: (key, value, ttlMs) =>
        bus.viaStep(cache, key, (publish) => w.write('setIfNotExists', 'nx', key, value, ttlMs, { publish }), wrote),
      setIfExists: (key, value, ttlMs) =>
        bus.viaStep(cache, key, (publish) => w.write('setIfExists', 'xx', key, value, ttlMs, { publish }), wrote),
      compareAndSet: (key, expected, value, ttlMs) =>
        bus.viaStep(cache, key, (publish) => this.#compareAndSet(key, expected, value, ttlMs, publish), wrote),
      // A removal publishes whether or not it found the entry: another process may hold a copy.
      delete: (key) => bus.viaStep(cache, key, (publish) => this.#removals.delete(key, publish), always),
      touch: (key, ttlMs) => bus.viaStep(cache, key, (publish) => this.#touch(key, ttlMs, publish), wrote),
    };
  }

  async *scan(glob: CompiledGlob): AsyncIterable<string> {
    if (glob.literal !== undefined) {
      if (await this.has(glob.literal)) yield glob.literal;
      return;
    }
    const { exec, layout, scanCount } = this.#d;
    const seen = new Set<string>();
    for await (const { keys } of scanWalk(exec, this.#site('scan'), layout.entryMatch(glob.prefix), scanCount)) {
      for (const k of keys) {
        const key = layout.keyOfEntry(k);
        // SCAN may repeat a key across steps; foreign keys that only look like ours decode to undefined.
        if (key === undefined || seen.has(key) || !glob.test(key)) continue;
        seen.add(key);
        yield key;
      }
    }
  }

  async getMetadata(key: string): Promise<CacheEntryMetadata | undefined> {
    const { exec, layout } = this.#d;
    const e = layout.entry(key);
    const r = (await exec.eval(this.#site('getMetadata', key), META, [e], [])) as Buffer[];
    if (r.length === 0) return undefined;
    const [c, u, x, s, own, ...refs] = r.map(String);
    // The stored expiry where there is a valid one (what getEntry reads), else the key's own.
    const stored = storedExpiry(x!);
    const expires = Number.isSafeInteger(stored) ? stored : Number(own);
    return {
      key,
      createdAt: Number(c),
      updatedAt: Number(u),
      expiresAt: expires === -1 ? null : expires,
      sizeBytes: Number(s),
      indexes: refs.flatMap((ref) => layout.parseIndex(ref) ?? []),
    };
  }

  addIndex(indexName: string, key: string, indexKey: string): Promise<boolean> {
    return this.#indexes.add(this.#site('addIndex', key), indexName, key, indexKey);
  }

  removeIndex(indexName: string, key: string, indexKey: string): Promise<void> {
    return this.#indexes.remove(this.#site('removeIndex', key), indexName, key, indexKey);
  }

  async getByIndex(indexName: string, indexKey: string): Promise<string[]> {
    const members = await this.#indexes.liveMembers(this.#site('getByIndex'), indexName, indexKey);
    return members.flatMap((m) => decodePart(m) ?? []);
  }

  removeByIndex(indexName: string, indexKey: string): Promise<string[]> {
    return this.#removals.removeByIndex(indexName, indexKey);
  }

  deleteByIndex(indexName: string, indexKey: string): Promise<number> {
    return this.#removals.deleteByIndex(indexName, indexKey);
  }

  deleteByPattern(glob: CompiledGlob): Promise<number> {
    return this.#removals.deleteByPattern(glob);
  }

  loadThrough(key: string, ttlMs: number, ctx: LoadThroughContext<T>): Promise<T> {
    return loadThrough<T>(
      {
        name: this.#d.name,
        exec: this.#d.exec,
        layout: this.#d.layout,
        lock: this.#d.lock,
        closing: this.#closing.signal,
        flights: this.#flights,
        get: (k) => this.get(k),
        fencedSet: (k, v, t, token) => this.#writes.write('getOrSet', 'fence', k, v, t, { token }),
        markedSet: (k, v, t, token) => this.#writes.write('getOrSet', 'mark', k, v, t, { token }),
      },
      key,
      ttlMs,
      ctx,
    );
  }

  close(): void {
    this.#closing.abort();
  }
}

/** The expected version that lets a compare-and-set replace foreign data (see `WRITE`). */
const FOREIGN = '!foreign';

/** A random token: lock owners and update tickets. */
function newToken(): string {
  return randomBytes(12).toString('base64url');
}
