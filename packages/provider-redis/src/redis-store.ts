import { randomBytes } from 'node:crypto';
import {
  type CacheEntryMetadata,
  CacheError,
  type CacheMetrics,
  type CompiledGlob,
  type DerivedIndexes,
  type EntryVersion,
  type LoadThroughContext,
  type Store,
  type StoreConfig,
  storeError,
} from '@gocache/core';
import { DerivedArgs } from './derived-args.js';
import { Flights } from './flights.js';
import { IndexOps } from './index-ops.js';
import { decodePart } from './key-codec.js';
import type { KeyLayout } from './key-layout.js';
import { loadThrough } from './load-through.js';
import type { ResolvedLock } from './options.js';
import { argv, SCRIPTS } from './protocol.js';
import { BATCH_CHUNK, type Outcome, type RedisExecutor, type Site } from './redis-executor.js';
import { scanWalk } from './scan-walk.js';
import { DELETE, META, MGET, TOUCH, WRITE } from './scripts.js';
import { StoredValues } from './stored-values.js';
import { UpdateTickets } from './update-tickets.js';
import type { ValueCodec } from './value-codec.js';

// Redis keeps expiry in signed 64-bit ms; staying within exact doubles keeps every TTL exact.
const MAX_TTL_MS = Number.MAX_SAFE_INTEGER - 4_102_444_800_000;

/**
 * Calls with decisions a write into full limited index keys may make before it gives up with
 * `CONFLICT`: each follows a reply that the sets changed since the last decision.
 */
const LIMIT_ROUNDS = 8;
/** Where `decisions` goes in the WRITE script's ARGV. */
const DECISIONS_AT = (SCRIPTS.write.argv as readonly string[]).indexOf('decisions');

/** Everything a store needs; built by the provider. */
export interface RedisStoreDeps {
  readonly name: string;
  readonly exec: RedisExecutor;
  readonly layout: KeyLayout;
  readonly codec: ValueCodec;
  readonly lock: ResolvedLock;
  readonly onDecodeError: 'throw' | 'miss';
  readonly scanCount: number;
  readonly metrics: CacheMetrics | undefined;
  /** Core's leave listener (`onEvict` hooks, eviction metrics); `undefined` when nobody listens. */
  readonly onLeave: StoreConfig['onLeave'];
}

type WriteMode = 'set' | 'nx' | 'xx' | 'cas' | 'fence' | 'mark';

/** One cache's storage in Redis. See `KeyLayout` for where things live and `scripts.ts` for how. */
export class RedisStore<T> implements Store<T> {
  readonly #d: RedisStoreDeps;
  readonly #inline: string;
  readonly #values: StoredValues<T>;
  readonly #indexes: IndexOps;
  readonly #tickets: UpdateTickets;
  readonly #flights: Flights;
  // Versions of undecodable entries read as misses (onDecodeError 'miss'), so update can replace them.
  readonly #corrupt = new Map<string, string>();
  readonly #closing = new AbortController();
  #derivedArgs: DerivedArgs | undefined;
  // Entry versions: a random per-store prefix and a counter — unique across processes without
  // paying for random bytes on every write (that was ~10% of a write's client CPU).
  readonly #versionPrefix = `${randomBytes(9).toString('base64url')}.`;
  #versionCount = 0;

  /**
   * Keep value-derived index memberships atomic with every write (core's optional SPI). Only on a
   * single server: a cluster cannot change an entry and index sets in other slots atomically, so
   * there the method is absent and `@gocache/indexing` reconciles memberships itself.
   */
  readonly deriveIndexes?: (indexes: DerivedIndexes) => void;

  constructor(deps: RedisStoreDeps) {
    this.#d = deps;
    this.#inline = deps.exec.isCluster ? '0' : '1';
    this.#values = new StoredValues(deps.name, deps.codec, deps.metrics, deps.onDecodeError);
    this.#indexes = new IndexOps(deps.exec, deps.layout);
    this.#flights = new Flights(deps.exec, deps.layout);
    this.#tickets = new UpdateTickets(deps.exec, deps.layout, (key) => this.#site('update', key));
    if (!deps.exec.isCluster) {
      this.deriveIndexes = (indexes) => {
        this.#derivedArgs = new DerivedArgs(indexes, deps.layout);
      };
    }
  }

  #site(op: string, key?: string): Site {
    return { cacheName: this.#d.name, op, key };
  }

  get(key: string): Promise<T | undefined> {
    const e = this.#d.layout.entry(key);
    // No async layer and no continuation of its own: the executor decodes the reply as it settles.
    return this.#d.exec.send(this.#site('get', key), e, ['HGET', e, 'v'], this.#getOutcome);
  }

  /** How `get` reads a reply: bytes decoded, `null` a miss, foreign data per `onDecodeError`. */
  readonly #getOutcome: Outcome<T | undefined> = {
    ok: (raw, site) => (raw === null ? undefined : this.#values.decode(raw as Buffer, site.key!, 'get')),
    fail: (err, site) => {
      if (!isForeign(err)) throw err;
      return this.#values.foreign(site.key!, 'get');
    },
  };

  async getMany(keys: readonly string[]): Promise<(T | undefined)[]> {
    const { exec, layout } = this.#d;
    if (keys.length === 0) return [];
    const site = this.#site('getMany');
    if (!exec.isCluster) {
      // Single server: one script call per BATCH_CHUNK keys (one command, one reply array).
      const calls: { keys: string[]; args: string[] }[] = [];
      for (let i = 0; i < keys.length; i += BATCH_CHUNK) {
        calls.push({ keys: keys.slice(i, i + BATCH_CHUNK).map((k) => layout.entry(k)), args: [] });
      }
      const parts = (
        calls.length === 1 ? [await exec.eval(site, MGET, calls[0]!.keys, [])] : await exec.batchEval(site, MGET, calls)
      ) as unknown[][];
      const raws = parts.length === 1 ? parts[0]! : parts.flat();
      return raws.map((r, i) => this.#fromRaw(r, keys[i]!, 'getMany'));
    }
    // Cluster: keys span slots, so one HGET per key, pipelined per node.
    const cmds = keys.map((k) => {
      const e = layout.entry(k);
      return { key: e, args: ['HGET', e, 'v'] };
    });
    let raws: unknown[];
    try {
      raws = await exec.batch(site, cmds);
    } catch (err) {
      if (!isForeign(err)) throw err;
      // Foreign data under some key: read each key on its own to tell which (a rare, slow path).
      return Promise.all(keys.map((k) => this.#getOne(k, 'getMany')));
    }
    return raws.map((r, i) => this.#fromRaw(r, keys[i]!, 'getMany'));
  }

  /** A value as `MGET`/`HGET` returned it: `null` absent, `0` foreign data (MGET), else bytes. */
  #fromRaw(r: unknown, key: string, op: string): T | undefined {
    if (r === null) return undefined;
    if (r === 0) return this.#values.foreign(key, op);
    return this.#values.decode(r as Buffer, key, op);
  }

  async #getOne(key: string, op: string): Promise<T | undefined> {
    const e = this.#d.layout.entry(key);
    try {
      return this.#fromRaw(await this.#d.exec.send(this.#site(op, key), e, ['HGET', e, 'v']), key, op);
    } catch (err) {
      if (!isForeign(err)) throw err;
      return this.#values.foreign(key, op);
    }
  }

  async has(key: string): Promise<boolean> {
    const e = this.#d.layout.entry(key);
    return (await this.#d.exec.send(this.#site('has', key), e, ['EXISTS', e])) === 1;
  }

  async set(key: string, value: T, ttlMs: number): Promise<void> {
    await this.#write('set', 'set', key, value, ttlMs);
  }

  async setMany(entries: readonly (readonly [string, T])[], ttlMs: number): Promise<void> {
    const { exec, layout } = this.#d;
    const site = this.#site('setMany');
    const version = this.#newVersion();
    // One script call per entry, pipelined, whatever each entry's state.
    const calls = entries.map(([k, v]) => ({
      keys: [layout.entry(k)],
      args: this.#writeArgs('setMany', 'set', k, v, ttlMs, { version }),
    }));
    const results = await exec.batchEval(site, WRITE, calls);
    // Every entry is its own script: settle them all, then report the first refusal (if any).
    let refused: unknown;
    for (let i = 0; i < results.length; i++) {
      let r = results[i];
      // A bare number: written (or not) with nothing to settle.
      if (!Array.isArray(r)) continue;
      const key = entries[i]![0];
      try {
        if (Number(r[0]) === -2) {
          // Into full limited index keys: its own second call, with the index owner's decisions.
          r = await this.#writeDecided(this.#site('setMany', key), key, calls[i]!.keys, calls[i]!.args, r);
          if (!Array.isArray(r)) continue;
        }
        await this.#settle('setMany', key, r as unknown[]);
      } catch (e) {
        refused ??= e;
      }
    }
    if (refused !== undefined) throw refused;
  }

  setIfNotExists(key: string, value: T, ttlMs: number): Promise<boolean> {
    return this.#write('setIfNotExists', 'nx', key, value, ttlMs);
  }

  setIfExists(key: string, value: T, ttlMs: number): Promise<boolean> {
    return this.#write('setIfExists', 'xx', key, value, ttlMs);
  }

  /** One script: a new expiry, value and version untouched, index scores following; false on a miss. */
  async touch(key: string, ttlMs: number): Promise<boolean> {
    const e = this.#d.layout.entry(key);
    const site = this.#site('touch', key);
    const args = argv('touch', { ttl: this.#ttl(ttlMs, 'touch', key), inline: this.#inline });
    const r = await this.#d.exec.eval(site, TOUCH, [e], args);
    if (!Array.isArray(r)) return r === 1;
    // Cluster: the entry's index sets live in other slots; re-score them after the entry.
    await this.#indexes.rescore(site, [[key, r]]);
    return true;
  }

  async delete(key: string): Promise<boolean> {
    const [n] = await this.#deleteCounts([key], 'delete');
    return n === 1;
  }

  async deleteMany(keys: readonly string[]): Promise<number> {
    const counts = await this.#deleteCounts(keys, 'deleteMany');
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Delete entries (and their index memberships); 1 or 0 per key. */
  async #deleteCounts(keys: readonly string[], op: string): Promise<number[]> {
    const { layout, exec, onLeave } = this.#d;
    // The key's load lock and markers go with it: a load in flight in any process cannot store it again.
    const args = argv('delete', { inline: this.#inline });
    const calls = keys.map((k) => ({ keys: [layout.entry(k), layout.lock(k), layout.marker(k)], args }));
    const results = (await exec.batchEval(this.#site(op), DELETE, calls)) as unknown[][];
    // Cluster: the index sets live in other slots, so memberships are dropped after the entry.
    const zrems = results.flatMap((r, i) =>
      r.slice(1).map((ref) => {
        const idx = String(ref);
        return { key: idx, args: ['ZREM', idx, layout.member(keys[i]!)] };
      }),
    );
    await exec.batch(this.#site(op), zrems);
    const counts = results.map((r) => Number(r[0]));
    if (onLeave !== undefined) {
      counts.forEach((n, i) => {
        if (n === 1) onLeave({ cacheName: this.#d.name, key: keys[i]!, reason: 'deleted' });
      });
    }
    return counts;
  }

  async clear(): Promise<void> {
    const { exec, layout, scanCount, onLeave } = this.#d;
    const site = this.#site('clear');
    // Leave events go out after the clear is complete, so a listener's re-write stays.
    const cleared: string[] = [];
    for await (const { keys, node } of scanWalk(exec, site, layout.namespaceMatch(), scanCount)) {
      if (onLeave !== undefined) {
        for (const k of keys) {
          const key = layout.keyOfEntry(k);
          if (key !== undefined) cleared.push(key);
        }
      }
      // UNLINK frees memory in the background; one command per batch on a single server, one per
      // key on a cluster (keys of a batch span slots).
      if (exec.isCluster) {
        await exec.batch(
          site,
          keys.map((k) => ({ key: k, args: ['UNLINK', k] })),
        );
      } else await node(['UNLINK', ...keys]);
    }
    this.#corrupt.clear();
    if (onLeave !== undefined) {
      // SCAN may return a key twice: each leaves once.
      for (const key of new Set(cleared)) onLeave({ cacheName: this.#d.name, key, reason: 'cleared' });
    }
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
      reply = await this.#d.exec.send(this.#site('update', key), e, ['HMGET', e, 'v', 'n']);
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

  #newVersion(): string {
    return this.#versionPrefix + (this.#versionCount++).toString(36);
  }

  async compareAndSet(key: string, expected: EntryVersion | null, value: T, ttlMs: number): Promise<boolean> {
    const exp = expected === null ? (this.#corrupt.get(key) ?? '') : String(expected);
    this.#corrupt.delete(key);
    const extra = { expected: exp, version: this.#newVersion(), token: this.#tickets.token(key) };
    let ok: boolean;
    try {
      ok = await this.#write('update', 'cas', key, value, ttlMs, extra);
    } catch (e) {
      // The outcome is unknown (timeout, dropped socket). The script is idempotent for this new
      // version — it reports success if the first attempt landed — so asking once more is safe.
      if (!CacheError.isInstance(e) || (e.code !== 'TIMEOUT' && e.code !== 'UNAVAILABLE')) throw e;
      ok = await this.#write('update', 'cas', key, value, ttlMs, extra);
    }
    if (ok) this.#tickets.won(key);
    else await this.#tickets.afterCas(key, false);
    return ok;
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
    const [c, u, x, s, ...refs] = r.map(String);
    const expires = Number(x);
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

  async deleteByIndex(indexName: string, indexKey: string): Promise<number> {
    const site = this.#site('deleteByIndex');
    const members = await this.#indexes.liveMembers(site, indexName, indexKey);
    const keys = members.flatMap((m) => decodePart(m) ?? []);
    const n = keys.length === 0 ? 0 : await this.deleteMany(keys);
    // Loads in flight in any process are cancelled, as core cancels its own (their keys may not
    // be in the set yet): none of them stores its result.
    await this.#flights.cancel(site);
    return n;
  }

  /** The matching entries, each with its load lock and markers, and the matching loads in flight. */
  async deleteByPattern(glob: CompiledGlob): Promise<number> {
    const site = this.#site('deleteByPattern');
    let n = 0;
    let batch: string[] = [];
    const flush = async () => {
      const counts = await this.#deleteCounts(batch, 'deleteByPattern');
      for (const c of counts) n += c;
      batch = [];
    };
    for await (const key of this.scan(glob)) {
      batch.push(key);
      if (batch.length >= BATCH_CHUNK) await flush();
    }
    if (batch.length > 0) await flush();
    await this.#flights.cancel(site, (k) => glob.test(k));
    return n;
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
        fencedSet: (k, v, t, token) => this.#write('getOrSet', 'fence', k, v, t, { token }),
        markedSet: (k, v, t, token) => this.#write('getOrSet', 'mark', k, v, t, { token }),
      },
      key,
      ttlMs,
      ctx,
    );
  }

  close(): void {
    this.#closing.abort();
  }

  async #write(
    op: string,
    mode: WriteMode,
    key: string,
    value: T,
    ttlMs: number,
    extra: { expected?: string; version?: string; token?: string } = {},
  ): Promise<boolean> {
    const { exec, layout } = this.#d;
    const e = layout.entry(key);
    const keys =
      mode === 'fence'
        ? [e, layout.lock(key)]
        : mode === 'cas'
          ? [e, layout.updateTicket(key)]
          : mode === 'mark'
            ? [e, layout.marker(key)]
            : [e];
    const site = this.#site(op, key);
    const args = this.#writeArgs(op, mode, key, value, ttlMs, extra);
    let r = await exec.eval(site, WRITE, keys, args);
    // A bare number: written (1) or not (0), nothing to settle.
    if (!Array.isArray(r)) return r === 1;
    if (Number(r[0]) === -2) {
      r = await this.#writeDecided(site, key, keys, args, r);
      if (!Array.isArray(r)) return r === 1;
    }
    await this.#settle(op, key, r as unknown[]);
    return Number((r as unknown[])[0]) === 1;
  }

  /**
   * A write into full limited index keys (WRITE replied `{-2, …}`, having written nothing): the
   * index owner decides on the members the script saw (`DerivedIndexes.overLimit`; a throw refuses
   * the write), and the same call runs again with those decisions, which the script applies only
   * while each set still holds the members it was decided on. Sets that changed meanwhile are
   * decided again, for at most `LIMIT_ROUNDS` calls. Returns the last reply.
   */
  async #writeDecided(
    site: Site,
    key: string,
    keys: readonly string[],
    args: readonly (string | Buffer)[],
    first: unknown[],
  ): Promise<unknown> {
    const decisions = new Map<string, string>();
    const withDecisions = args.slice();
    while (withDecisions.length < DECISIONS_AT) withDecisions.push('');
    let r: unknown = first;
    for (let round = 0; round < LIMIT_ROUNDS; round++) {
      this.#derivedArgs!.decide(key, r as unknown[], decisions);
      withDecisions[DECISIONS_AT] = [...decisions.values()].join('\n');
      r = await this.#d.exec.eval(site, WRITE, keys, withDecisions);
      if (!Array.isArray(r) || Number(r[0]) !== -2) return r;
    }
    throw storeError(
      'CONFLICT',
      `the index keys this write joins kept changing while their limits were decided (${LIMIT_ROUNDS} attempts); retry`,
    );
  }

  /** ARGV of the WRITE script (see `src/lua/write.lua`); the value is encoded here, once. */
  #writeArgs(
    op: string,
    mode: WriteMode,
    key: string,
    value: T,
    ttlMs: number,
    extra: { expected?: string; version?: string; token?: string },
  ): (string | Buffer)[] {
    const derived = this.#derivedArgs?.of(key, value);
    return argv('write', {
      mode,
      value: this.#values.encode(value, key, op),
      ttl: this.#ttl(ttlMs, op, key),
      version: extra.version ?? this.#newVersion(),
      expected: extra.expected,
      token: extra.token,
      now: String(Date.now()),
      inline: this.#inline,
      plan: derived?.[0],
      sig: derived?.[1],
    });
  }

  /** After a WRITE: report entries a limit decision removed, re-score on a cluster. */
  async #settle(op: string, key: string, r: unknown[]): Promise<void> {
    const { onLeave } = this.#d;
    if (this.#d.exec.isCluster) {
      await this.#indexes.rescore(this.#site(op, key), [[key, r]]);
      return;
    }
    if (onLeave === undefined) return;
    for (const m of r.slice(2)) {
      const evicted = decodePart(String(m));
      if (evicted !== undefined) onLeave({ cacheName: this.#d.name, key: evicted, reason: 'deleted' });
    }
  }

  #ttl(ttlMs: number, op: string, key?: string): string {
    if (ttlMs === Number.POSITIVE_INFINITY) return '';
    if (ttlMs > MAX_TTL_MS) {
      throw new CacheError(
        'INVALID_TTL',
        `a TTL of ${ttlMs} ms is beyond what Redis can represent exactly; use Infinity for "never expires"`,
        { cacheName: this.#d.name, op, key },
      );
    }
    // Redis counts whole milliseconds; rounding up never expires an entry early.
    return String(Math.max(1, Math.ceil(ttlMs)));
  }
}

/** The expected version that lets a compare-and-set replace foreign data (see `WRITE`). */
const FOREIGN = '!foreign';

/** `SERIALIZATION` from the executor: a WRONGTYPE reply, i.e. foreign data under the entry key. */
function isForeign(e: unknown): boolean {
  return CacheError.isInstance(e) && e.code === 'SERIALIZATION';
}

/** A random token: lock owners and update tickets. */
function newToken(): string {
  return randomBytes(12).toString('base64url');
}
