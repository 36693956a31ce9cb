import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
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
} from '@gocache/core';
import { decodePart } from './key-codec.js';
import type { KeyLayout } from './key-layout.js';
import { loadThrough } from './load-through.js';
import type { ResolvedLock } from './options.js';
import type { RedisExecutor, Site } from './redis-executor.js';
import { DELETE, INDEX_ADD, INDEX_READ, META, REF_ADD, REF_REMOVE, WRITE } from './scripts.js';
import { DecodeFailure, type ValueCodec } from './value-codec.js';

// Redis keeps expiry in signed 64-bit ms; staying within exact doubles keeps every TTL exact.
/** CAS losses after which an update waits for the key's ticket. */
const TICKET_AFTER_LOSSES = 2;
/** Lease of an update ticket, in ms: how long a stalled holder can delay other updaters. */
const TICKET_MS = 2000;

const MAX_TTL_MS = Number.MAX_SAFE_INTEGER - 4_102_444_800_000;

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

type WriteMode = 'set' | 'nx' | 'xx' | 'cas' | 'fence';

/** One cache's storage in Redis. See `KeyLayout` for where things live and `scripts.ts` for how. */
export class RedisStore<T> implements Store<T> {
  readonly #d: RedisStoreDeps;
  readonly #inline: string;
  // Versions of undecodable entries read as misses (onDecodeError 'miss'), so update can replace them.
  readonly #corrupt = new Map<string, string>();
  readonly #closing = new AbortController();
  // Consecutive CAS losses per key, for the backoff between update attempts.
  readonly #losses = new Map<string, number>();
  // Update tickets this process holds, by key.
  readonly #tickets = new Map<string, string>();

  #derived: DerivedIndexes | undefined;

  /**
   * Keep value-derived index memberships atomic with every write (core's optional SPI). Only on a
   * single server: a cluster cannot change an entry and index sets in other slots atomically, so
   * there the method is absent and `@gocache/indexing` reconciles memberships itself.
   */
  readonly deriveIndexes?: (indexes: DerivedIndexes) => void;

  constructor(deps: RedisStoreDeps) {
    this.#d = deps;
    this.#inline = deps.exec.isCluster ? '0' : '1';
    if (!deps.exec.isCluster) {
      this.deriveIndexes = (indexes) => {
        this.#derived = indexes;
      };
    }
  }

  #site(op: string, key?: string): Site {
    return { cacheName: this.#d.name, op, key };
  }

  async get(key: string): Promise<T | undefined> {
    const e = this.#d.layout.entry(key);
    const raw = await this.#d.exec.send(this.#site('get', key), e, ['HGET', e, 'v']);
    return raw === null ? undefined : this.#decode(raw as Buffer, key, 'get');
  }

  async getMany(keys: readonly string[]): Promise<(T | undefined)[]> {
    const cmds = keys.map((k) => {
      const e = this.#d.layout.entry(k);
      return { key: e, args: ['HGET', e, 'v'] };
    });
    const raws = await this.#d.exec.batch(this.#site('getMany'), cmds);
    return raws.map((r, i) => (r === null ? undefined : this.#decode(r as Buffer, keys[i]!, 'getMany')));
  }

  async has(key: string): Promise<boolean> {
    const e = this.#d.layout.entry(key);
    return (await this.#d.exec.send(this.#site('has', key), e, ['EXISTS', e])) === 1;
  }

  async set(key: string, value: T, ttlMs: number): Promise<void> {
    await this.#write('set', 'set', key, value, ttlMs);
  }

  async setMany(entries: readonly (readonly [string, T])[], ttlMs: number): Promise<void> {
    const ttl = this.#ttl(ttlMs, 'setMany');
    const version = newToken();
    const { layout } = this.#d;
    const calls = entries.map(([k, v]) => ({
      keys: [layout.entry(k)],
      args: [
        'set',
        this.#encode(v, k, 'setMany'),
        ttl,
        version,
        '',
        this.#inline,
        layout.member(k),
        '',
        ...this.#derivedArgs(k, v),
      ],
    }));
    const results = await this.#d.exec.batchEval(this.#site('setMany'), WRITE, calls);
    let refused: unknown;
    for (let i = 0; i < results.length; i++) {
      try {
        await this.#settle('setMany', entries[i]![0], results[i] as unknown[]);
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

  async delete(key: string): Promise<boolean> {
    const [n] = await this.deleteManyCounts([key], 'delete');
    return n === 1;
  }

  async deleteMany(keys: readonly string[]): Promise<number> {
    const counts = await this.deleteManyCounts(keys, 'deleteMany');
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Delete entries (and their index memberships); 1 or 0 per key. */
  async deleteManyCounts(keys: readonly string[], op: string): Promise<number[]> {
    const { layout, exec } = this.#d;
    const calls = keys.map((k) => ({ keys: [layout.entry(k)], args: [this.#inline, layout.member(k)] }));
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
    const onLeave = this.#d.onLeave;
    if (onLeave !== undefined) {
      counts.forEach((n, i) => {
        if (n === 1) onLeave({ cacheName: this.#d.name, key: keys[i]!, reason: 'deleted' });
      });
    }
    return counts;
  }

  async clear(): Promise<void> {
    const { exec, layout, scanCount } = this.#d;
    const site = this.#site('clear');
    for (const node of await exec.masters(site)) {
      let cursor = '0';
      do {
        const [next, found] = (await node([
          'SCAN',
          cursor,
          'MATCH',
          layout.namespaceMatch(),
          'COUNT',
          String(scanCount),
        ])) as [Buffer, Buffer[]];
        cursor = next.toString();
        if (found.length === 0) continue;
        const keys = found.map((k) => k.toString());
        const onLeave = this.#d.onLeave;
        if (onLeave !== undefined) {
          for (const k of keys) {
            const key = layout.keyOfEntry(k);
            if (key !== undefined) onLeave({ cacheName: this.#d.name, key, reason: 'cleared' });
          }
        }
        // UNLINK frees memory in the background; one command per batch on a single server, one per
        // key on a cluster (keys of a batch span slots).
        if (exec.isCluster)
          await exec.batch(
            site,
            keys.map((k) => ({ key: k, args: ['UNLINK', k] })),
          );
        else await node(['UNLINK', ...keys]);
      } while (cursor !== '0');
    }
    this.#corrupt.clear();
  }

  async getVersioned(key: string): Promise<{ value: T; version: EntryVersion } | undefined> {
    if ((this.#losses.get(key) ?? 0) >= TICKET_AFTER_LOSSES && !this.#tickets.has(key)) await this.#takeTicket(key);
    const e = this.#d.layout.entry(key);
    const [raw, version] = (await this.#d.exec.send(this.#site('update', key), e, ['HMGET', e, 'v', 'n'])) as [
      Buffer | null,
      Buffer | null,
    ];
    if (raw === null || version === null) return undefined;
    const value = this.#decode(raw, key, 'update');
    if (value === undefined) {
      this.#corrupt.set(key, version.toString());
      return undefined;
    }
    return { value, version: version.toString() };
  }

  async compareAndSet(key: string, expected: EntryVersion | null, value: T, ttlMs: number): Promise<boolean> {
    const exp = expected === null ? (this.#corrupt.get(key) ?? '') : String(expected);
    this.#corrupt.delete(key);
    const version = newToken();
    const token = this.#tickets.get(key) ?? '';
    let ok: boolean;
    try {
      ok = await this.#write('update', 'cas', key, value, ttlMs, { expected: exp, version, token });
    } catch (e) {
      // The outcome is unknown (timeout, dropped socket). The script is idempotent for this new
      // version — it reports success if the first attempt landed — so asking once more is safe.
      if (!CacheError.isInstance(e) || (e.code !== 'TIMEOUT' && e.code !== 'UNAVAILABLE')) throw e;
      ok = await this.#write('update', 'cas', key, value, ttlMs, { expected: exp, version, token });
    }
    if (ok) {
      this.#losses.delete(key);
      this.#tickets.delete(key);
      return true;
    }
    const n = (this.#losses.get(key) ?? 0) + 1;
    if (this.#losses.size > 10_000) this.#losses.clear();
    if (this.#tickets.size > 10_000) this.#tickets.clear();
    this.#losses.set(key, n);
    // Lost to another process. A jittered pause spreads contenders out; after a few losses
    // getVersioned takes the key's update ticket, so this process goes next (no starvation).
    if (token === '') await sleep(Math.random() * Math.min(2 ** n, 20), undefined, { ref: false });
    return false;
  }

  /** Wait (bounded) for the key's update ticket: while held, only its holder's CAS can succeed. */
  async #takeTicket(key: string): Promise<void> {
    const { exec, layout } = this.#d;
    const t = layout.updateTicket(key);
    const token = newToken();
    const deadline = Date.now() + TICKET_MS;
    for (;;) {
      const r = await exec.send(this.#site('update', key), t, ['SET', t, token, 'NX', 'PX', String(TICKET_MS)]);
      if (r !== null) {
        this.#tickets.set(key, token);
        return;
      }
      // A holder that died or whose updater threw frees the ticket by expiry; then carry on optimistically.
      if (Date.now() >= deadline) return;
      await sleep(2 + Math.random() * 8, undefined, { ref: false });
    }
  }

  async *scan(glob: CompiledGlob): AsyncIterable<string> {
    if (glob.literal !== undefined) {
      if (await this.has(glob.literal)) yield glob.literal;
      return;
    }
    const { exec, layout, scanCount } = this.#d;
    const match = layout.entryMatch(glob.prefix);
    const seen = new Set<string>();
    for (const node of await exec.masters(this.#site('scan'))) {
      let cursor = '0';
      do {
        const [next, found] = (await node(['SCAN', cursor, 'MATCH', match, 'COUNT', String(scanCount)])) as [
          Buffer,
          Buffer[],
        ];
        cursor = next.toString();
        for (const k of found) {
          const key = layout.keyOfEntry(k.toString());
          // SCAN may repeat a key across steps; foreign keys that only look like ours decode to undefined.
          if (key === undefined || seen.has(key) || !glob.test(key)) continue;
          seen.add(key);
          yield key;
        }
      } while (cursor !== '0');
    }
  }

  async getMetadata(key: string): Promise<CacheEntryMetadata | undefined> {
    const { exec, layout } = this.#d;
    const e = layout.entry(key);
    const r = (await exec.eval(this.#site('getMetadata', key), META, [e], [])) as Buffer[];
    if (r.length === 0) return undefined;
    const [c, u, x, s, ...refs] = r.map(String);
    const indexes = refs.flatMap((ref) => layout.parseIndex(ref) ?? []);
    const expires = Number(x);
    return {
      key,
      createdAt: Number(c),
      updatedAt: Number(u),
      expiresAt: expires === -1 ? null : expires,
      sizeBytes: Number(s),
      indexes,
    };
  }

  async addIndex(indexName: string, key: string, indexKey: string): Promise<boolean> {
    const { exec, layout } = this.#d;
    const idx = layout.index(indexName, indexKey);
    const site = this.#site('addIndex', key);
    const member = layout.member(key);
    const score = await exec.eval(site, REF_ADD, [layout.entry(key)], [idx, member, this.#inline]);
    if (score === null) return false;
    if (exec.isCluster) await exec.eval(site, INDEX_ADD, [idx], [String(score), member]);
    return true;
  }

  async removeIndex(indexName: string, key: string, indexKey: string): Promise<void> {
    const { exec, layout } = this.#d;
    const idx = layout.index(indexName, indexKey);
    const site = this.#site('removeIndex', key);
    const member = layout.member(key);
    await exec.eval(site, REF_REMOVE, [layout.entry(key)], [idx, member, this.#inline]);
    if (exec.isCluster) await exec.send(site, idx, ['ZREM', idx, member]);
  }

  async getByIndex(indexName: string, indexKey: string): Promise<string[]> {
    return (await this.#liveMembers(indexName, indexKey, 'getByIndex')).flatMap((m) => decodePart(m) ?? []);
  }

  async deleteByIndex(indexName: string, indexKey: string): Promise<number> {
    const keys = (await this.#liveMembers(indexName, indexKey, 'deleteByIndex')).flatMap((m) => decodePart(m) ?? []);
    return keys.length === 0 ? 0 : this.deleteMany(keys);
  }

  /** Members of an index set whose entries are alive and still reference it; repairs the rest. */
  async #liveMembers(indexName: string, indexKey: string, op: string): Promise<string[]> {
    const { exec, layout } = this.#d;
    const idx = layout.index(indexName, indexKey);
    const site = this.#site(op);
    const members = ((await exec.eval(site, INDEX_READ, [idx], [layout.entryPrefix, this.#inline])) as Buffer[]).map(
      String,
    );
    if (!exec.isCluster || members.length === 0) return members;
    const alive = await exec.batch(
      site,
      members.map((m) => {
        const e = layout.entryOfMember(m);
        return { key: e, args: ['HEXISTS', e, `i:${idx}`] };
      }),
    );
    const dead = members.filter((_, i) => alive[i] !== 1);
    if (dead.length > 0) await exec.send(site, idx, ['ZREM', idx, ...dead]);
    return members.filter((_, i) => alive[i] === 1);
  }

  loadThrough(key: string, ttlMs: number, ctx: LoadThroughContext<T>): Promise<T> {
    return loadThrough<T>(
      {
        name: this.#d.name,
        exec: this.#d.exec,
        layout: this.#d.layout,
        lock: this.#d.lock,
        closing: this.#closing.signal,
        get: (k) => this.get(k),
        set: (k, v, t) => this.set(k, v, t),
        fencedSet: (k, v, t, token) => this.#write('getOrSet', 'fence', k, v, t, { token }),
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
    const ttl = this.#ttl(ttlMs, op, key);
    const e = layout.entry(key);
    const keys = mode === 'fence' ? [e, layout.lock(key)] : mode === 'cas' ? [e, layout.updateTicket(key)] : [e];
    const args = [
      mode,
      this.#encode(value, key, op),
      ttl,
      extra.version ?? newToken(),
      extra.expected ?? '',
      this.#inline,
      layout.member(key),
      extra.token ?? '',
      ...this.#derivedArgs(key, value),
    ];
    const r = (await exec.eval(this.#site(op, key), WRITE, keys, args)) as unknown[];
    await this.#settle(op, key, r);
    return Number(r[0]) === 1;
  }

  /** The WRITE script's arguments for derived index memberships (none unless `deriveIndexes` was called). */
  #derivedArgs(key: string, value: T): string[] {
    const d = this.#derived;
    if (d === undefined) return [];
    const { layout } = this.#d;
    // May throw a CacheError: the write is then refused before anything is sent.
    const pairs = d.derive(key, value);
    const managed = [...d.names].map((n) => layout.index(n, ''));
    const triples: string[] = [];
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const limit = d.limits.get(pairs[i]!);
      triples.push(
        layout.index(pairs[i]!, pairs[i + 1]!),
        limit === undefined ? '' : String(limit.max),
        limit?.onExceed === 'reject' ? 'r' : 'e',
      );
    }
    return [layout.entryPrefix, String(managed.length), ...managed, String(triples.length / 3), ...triples];
  }

  /** After a WRITE: refuse on a reject limit, report entries evicted for a limit, re-score on a cluster. */
  async #settle(op: string, key: string, r: unknown[]): Promise<void> {
    const { layout } = this.#d;
    if (Number(r[0]) === -1) {
      const where = layout.parseIndex(String(r[1]));
      throw this.#derived!.limitError(key, where?.indexName ?? '?', where?.indexKey ?? '?');
    }
    if (this.#d.exec.isCluster) {
      await this.#rescore(op, [[key, r]]);
      return;
    }
    const onLeave = this.#d.onLeave;
    if (onLeave === undefined) return;
    for (const m of r.slice(2)) {
      const evicted = decodePart(String(m));
      if (evicted !== undefined) onLeave({ cacheName: this.#d.name, key: evicted, reason: 'deleted' });
    }
  }

  /** Cluster: move the index scores of overwritten entries to their new expiry. */
  async #rescore(op: string, results: readonly (readonly [string, unknown[]])[]): Promise<void> {
    const { exec, layout } = this.#d;
    const calls = results.flatMap(([key, r]) => {
      if (r.length <= 2) return [];
      const x = String(r[1]);
      const score = x === '-1' ? '+inf' : x;
      return r.slice(2).map((ref) => ({ keys: [String(ref)], args: [score, layout.member(key)] }));
    });
    if (calls.length > 0) await exec.batchEval(this.#site(op), INDEX_ADD, calls);
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

  #encode(value: T, key: string, op: string): Buffer {
    try {
      return this.#d.codec.encode(value);
    } catch (e) {
      throw new CacheError(
        'SERIALIZATION',
        `the ${this.#d.codec.serializerName} serializer cannot encode this value (${(e as Error).message}); store plain data or configure another serializer`,
        { cacheName: this.#d.name, op, key, cause: e },
      );
    }
  }

  #decode(raw: Buffer, key: string, op: string): T | undefined {
    let reason: string;
    try {
      const v = this.#d.codec.decode(raw);
      if (v !== undefined) return v as T;
      reason = 'the bytes decode to undefined, which gocache never stores';
    } catch (e) {
      if (!(e instanceof DecodeFailure)) throw e;
      reason = e.message;
    }
    this.#d.metrics?.recordSecurityEvent('deserialization_failure', 'high', {
      cache: this.#d.name,
      op,
      key,
      serializer: this.#d.codec.serializerName,
      reason,
    });
    if (this.#d.onDecodeError === 'miss') return undefined;
    throw new CacheError(
      'SERIALIZATION',
      `stored bytes cannot be decoded (${reason}); they are corrupt or were written by something else — delete the key, or set providerOptions.onDecodeError: 'miss'`,
      { cacheName: this.#d.name, op, key },
    );
  }
}

/** A random token: entry versions and lock owners. */
export function newToken(): string {
  return randomBytes(12).toString('base64url');
}
