/**
 * The store's write path: the WRITE script's arguments (the value encoded once, the TTL checked, a
 * new entry version), its replies (the index owner's decisions for full limited index keys, leave
 * events for the entries a decision removed, index scores on a cluster) and `setMany`'s pipeline.
 * The store's own state for writes lives here too: the derived indexes and the version counter.
 */
import { randomBytes } from 'node:crypto';
import { CacheError, type DerivedIndexes, storeError } from '@gocache/core';
import type { BusMessage } from './bus-wire.js';
import { DerivedArgs } from './derived-args.js';
import type { IndexOps } from './index-ops.js';
import { decodePart } from './key-codec.js';
import { argv, SCRIPTS } from './protocol.js';
import type { Site } from './redis-executor.js';
import { WRITE } from './scripts.js';
import type { StoreHost } from './store-host.js';
import type { StoredValues } from './stored-values.js';

// Redis keeps expiry in signed 64-bit ms; staying within exact doubles keeps every TTL exact.
const MAX_TTL_MS = Number.MAX_SAFE_INTEGER - 4_102_444_800_000;

/**
 * Calls with decisions a write into full limited index keys may make before it gives up with
 * `CONFLICT`: each follows a reply that the sets changed since the last decision.
 */
const LIMIT_ROUNDS = 8;
/** Where `decisions` goes in the WRITE script's ARGV. */
const DECISIONS_AT = (SCRIPTS.write.argv as readonly string[]).indexOf('decisions');

/**
 * `FIELD.expires` for a write or touch at `now` (the writer's clock) with a TTL as the scripts take
 * it (`ttl()`): when the entry expires, `-1` for never.
 */
export function expiresOf(now: number, ttl: string): string {
  return ttl === '' ? '-1' : String(now + Number(ttl));
}

type WriteMode = 'set' | 'nx' | 'xx' | 'cas' | 'fence' | 'mark';

/**
 * What a conditional write checks: the expected version (`cas`), a new version, the lock or marker
 * token; and a bus message the write publishes once it is certain to write (`RedisBus.viaStep`).
 */
export interface WriteExtra {
  expected?: string;
  version?: string;
  token?: string;
  publish?: BusMessage | undefined;
}

/** The WRITE script as one store calls it. */
export class WritePath<T> {
  readonly #h: StoreHost;
  readonly #values: StoredValues<T>;
  readonly #indexes: IndexOps;
  #derivedArgs: DerivedArgs | undefined;
  // Entry versions: a random per-store prefix and a counter — unique across processes without
  // paying for random bytes on every write (that was ~10% of a write's client CPU).
  readonly #versionPrefix = `${randomBytes(9).toString('base64url')}.`;
  #versionCount = 0;

  constructor(host: StoreHost, values: StoredValues<T>, indexes: IndexOps) {
    this.#h = host;
    this.#values = values;
    this.#indexes = indexes;
  }

  /** From now on every write keeps the memberships `indexes` derive (single server only). */
  derive(indexes: DerivedIndexes): void {
    this.#derivedArgs = new DerivedArgs(indexes, this.#h.d.layout);
  }

  newVersion(): string {
    return this.#versionPrefix + (this.#versionCount++).toString(36);
  }

  async write(
    op: string,
    mode: WriteMode,
    key: string,
    value: T,
    ttlMs: number,
    extra: WriteExtra = {},
  ): Promise<boolean> {
    const { exec, layout } = this.#h.d;
    const e = layout.entry(key);
    const keys =
      mode === 'fence'
        ? [e, layout.lock(key)]
        : mode === 'cas'
          ? [e, layout.updateTicket(key)]
          : mode === 'mark'
            ? [e, layout.marker(key)]
            : [e];
    const site = this.#h.site(op, key);
    const args = this.#args(op, mode, key, value, ttlMs, extra);
    let r = await exec.eval(site, WRITE, keys, args);
    // A bare number: written (1) or not (0), nothing to settle.
    if (!Array.isArray(r)) return r === 1;
    if (Number(r[0]) === -2) {
      r = await this.#decided(site, key, keys, args, r);
      if (!Array.isArray(r)) return r === 1;
    }
    await this.#settle(op, key, r as unknown[]);
    return Number((r as unknown[])[0]) === 1;
  }

  async setMany(entries: readonly (readonly [string, T])[], ttlMs: number): Promise<void> {
    const { exec, layout } = this.#h.d;
    const site = this.#h.site('setMany');
    const version = this.newVersion();
    // One script call per entry, pipelined, whatever each entry's state.
    const calls = entries.map(([k, v]) => ({
      keys: [layout.entry(k)],
      args: this.#args('setMany', 'set', k, v, ttlMs, { version }),
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
          r = await this.#decided(this.#h.site('setMany', key), key, calls[i]!.keys, calls[i]!.args, r);
          if (!Array.isArray(r)) continue;
        }
        await this.#settle('setMany', key, r as unknown[]);
      } catch (e) {
        refused ??= e;
      }
    }
    if (refused !== undefined) throw refused;
  }

  /**
   * A write into full limited index keys (WRITE replied `{-2, …}`, having written nothing): the
   * index owner decides on the members the script saw (`DerivedIndexes.overLimit`; a throw refuses
   * the write), and the same call runs again with those decisions, which the script applies only
   * while each set still holds the members it was decided on. Sets that changed meanwhile are
   * decided again, for at most `LIMIT_ROUNDS` calls. Returns the last reply.
   */
  async #decided(
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
      r = await this.#h.d.exec.eval(site, WRITE, keys, withDecisions);
      if (!Array.isArray(r) || Number(r[0]) !== -2) return r;
    }
    throw storeError(
      'CONFLICT',
      `the index keys this write joins kept changing while their limits were decided (${LIMIT_ROUNDS} attempts); retry`,
    );
  }

  /** ARGV of the WRITE script (see `src/lua/write.lua`); the value is encoded here, once. */
  #args(op: string, mode: WriteMode, key: string, value: T, ttlMs: number, extra: WriteExtra): (string | Buffer)[] {
    const derived = this.#derivedArgs?.of(key, value);
    const now = Date.now();
    const ttl = this.ttl(ttlMs, op, key);
    return argv('write', {
      mode,
      value: this.#values.encode(value, key, op),
      ttl,
      expires: expiresOf(now, ttl),
      ...extra.publish,
      version: extra.version ?? this.newVersion(),
      expected: extra.expected,
      token: extra.token,
      now: String(now),
      inline: this.#h.inline,
      plan: derived?.[0],
      sig: derived?.[1],
    });
  }

  /** After a WRITE: report entries a limit decision removed, re-score on a cluster. */
  async #settle(op: string, key: string, r: unknown[]): Promise<void> {
    const { exec, name, onLeave } = this.#h.d;
    if (exec.isCluster) {
      await this.#indexes.rescore(this.#h.site(op, key), [[key, r]]);
      return;
    }
    if (onLeave === undefined) return;
    for (const m of r.slice(2)) {
      const evicted = decodePart(String(m));
      if (evicted !== undefined) onLeave({ cacheName: name, key: evicted, reason: 'deleted' });
    }
  }

  /** A TTL as the scripts take it: `''` never expires, else whole milliseconds (rounded up). */
  ttl(ttlMs: number, op: string, key?: string): string {
    if (ttlMs === Number.POSITIVE_INFINITY) return '';
    if (ttlMs > MAX_TTL_MS) {
      throw new CacheError(
        'INVALID_TTL',
        `a TTL of ${ttlMs} ms is beyond what Redis can represent exactly; use Infinity for "never expires"`,
        { cacheName: this.#h.d.name, op, key },
      );
    }
    // Redis counts whole milliseconds; rounding up never expires an entry early.
    return String(Math.max(1, Math.ceil(ttlMs)));
  }
}
