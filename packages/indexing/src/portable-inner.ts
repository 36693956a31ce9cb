/**
 * The inner store as the portable index layer's parts use it (`PortableIndexStore`, its hints in
 * `portable-hints.ts`, its write path in `portable-writes.ts`): envelope reads, user key scans,
 * expiries from TTLs and the `CONFLICT` a compare-and-set loop gives up with.
 */
import { CacheError, type CompiledGlob, compileGlob, type EntryVersion, escapeGlob } from '@gocache/core';
import type { CompleteStore } from '@gocache/core/store-kit';
import { type Envelope, isEnvelope, userKey, valueKey } from './portable-records.js';

/** Compare-and-set attempts on one record before `CONFLICT`; only concurrent writers cause retries. */
export const CAS_ATTEMPTS = 64;

/** One portable store's inner store, name and clock; created once by the store. */
export class PortableInner {
  readonly store: CompleteStore<unknown>;
  readonly name: string;
  readonly now: () => number;

  constructor(store: CompleteStore<unknown>, name: string, now: () => number) {
    this.store = store;
    this.name = name;
    this.now = now;
  }

  /** The user's value of an inner record; `SERIALIZATION` for a record this layer did not write. */
  unwrap(value: unknown, op: string, key: string): unknown {
    if (value === undefined) return undefined;
    if (!isEnvelope(value)) {
      throw new CacheError(
        'SERIALIZATION',
        'the stored record was not written by @gocache/indexing portableIndexes; do not share a namespace between a portable and a plain cache',
        { cacheName: this.name, op, key },
      );
    }
    return value.v;
  }

  async env(key: string, op: string): Promise<{ env: Envelope; version: EntryVersion } | undefined> {
    const cur = await this.store.getVersioned(valueKey(key));
    if (cur === undefined) return undefined;
    this.unwrap(cur.value, op, key);
    return { env: cur.value as Envelope, version: cur.version };
  }

  conflict(op: string, key: string): CacheError {
    return new CacheError(
      'CONFLICT',
      `the record kept changing under concurrent writers; gave up after ${CAS_ATTEMPTS} attempts — retry`,
      { cacheName: this.name, op, key },
    );
  }

  expiresAt(ttlMs: number): number | null {
    return ttlMs === Number.POSITIVE_INFINITY ? null : this.now() + ttlMs;
  }

  /** The user keys matching `glob` (internal records left out). */
  async *scan(glob: CompiledGlob): AsyncIterable<string> {
    for await (const k of this.store.scan(compileGlob(escapeGlob('v:') + glob.source))) {
      const u = userKey(k);
      if (u !== undefined) yield u;
    }
  }
}
