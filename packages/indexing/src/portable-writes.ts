/**
 * The portable index layer's write path: an entry's value and its memberships written in one
 * compare-and-set of its envelope, derived memberships re-derived from each value, and the index
 * owner's limit decisions applied around the write (hints named first, victims removed after).
 */
import { type DerivedIndexes, KeyedQueue } from '@gocache/core';
import { pairsMinus } from './index-plan.js';
import { type LimitReader, limitLocks, limitVictims } from './limits.js';
import type { PortableHints } from './portable-hints.js';
import { CAS_ATTEMPTS, type PortableInner } from './portable-inner.js';
import { type Envelope, valueKey } from './portable-records.js';

/** The writes of one portable store. */
export class PortableWrites<T> {
  readonly #io: PortableInner;
  readonly #hints: PortableHints;
  /** The store's `deleteMany`: how the entries a limit decision gave up leave. */
  readonly #remove: (keys: readonly string[]) => Promise<number>;
  readonly #limitLocks = new KeyedQueue();
  #derived: DerivedIndexes | undefined;

  constructor(io: PortableInner, hints: PortableHints, remove: (keys: readonly string[]) => Promise<number>) {
    this.#io = io;
    this.#hints = hints;
    this.#remove = remove;
  }

  /** From now on every write keeps the memberships `indexes` derive. */
  derive(indexes: DerivedIndexes): void {
    this.#derived = indexes;
  }

  /**
   * Write `value` keeping the entry's memberships (an overwrite does not leave its indexes), or,
   * with derived indexes, replacing the derived ones with what `value` derives — in the same
   * compare-and-set as the value, so the entry is never live without its memberships.
   */
  async write(key: string, value: T, ttlMs: number, onlyIfExists: boolean, op: string): Promise<boolean> {
    const vk = valueKey(key);
    for (let i = 0; i < CAS_ATTEMPTS; i++) {
      const cur = await this.#io.env(key, op);
      if (cur === undefined && onlyIfExists) return false;
      const old = cur?.env.ix ?? [];
      const ix = this.nextIx(key, value, old);
      const done = await this.withLimits(key, ix, old, ttlMs, op, async () => {
        const env: Envelope = { v: value, ix };
        return this.#io.store.compareAndSet(vk, cur === undefined ? null : cur.version, env, ttlMs);
      });
      if (done) return true;
    }
    throw this.#io.conflict(op, key);
  }

  /** The memberships an entry holding `value` must have: `old` with the derived ones re-derived. */
  nextIx(key: string, value: T, old: readonly string[]): readonly string[] {
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
  async withLimits(
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
      if (ix.length > 0) await this.#hints.touchAll(ix, key, this.#io.expiresAt(ttlMs), op, false);
      if (!(await write())) return false;
      if (ix.length > 0) {
        // A prune (or a delete's hint cleanup) that read this key's old envelope may have dropped
        // it from a hint after the touch above: name it again now that the envelope confirms it.
        // The expiry is taken after the write, so the hints surely outlive the entry.
        const fresh = pairsMinus(ix, old);
        const expiresAt = this.#io.expiresAt(ttlMs);
        if (fresh.length > 0) await this.#hints.touchAll(fresh, key, expiresAt, op, true);
        if (fresh.length < ix.length) await this.#hints.touchAll(pairsMinus(ix, fresh), key, expiresAt, op, false);
      }
      // Memberships the new value no longer derives: keep their hints from growing.
      if (old.length > 0 && old !== ix) {
        const left = pairsMinus(old, ix);
        if (left.length > 0) await this.#hints.dropAll(left, key);
      }
      if (victims.length > 0) await this.#remove(victims);
      return true;
    };
    return joined.length === 0 ? run() : this.#limitLocks.runAll(limitLocks(d!, joined), run);
  }

  /** What limit decisions read: live members (through the hints) and creation times. */
  readonly #limitReader: LimitReader = {
    members: (name, ik) => this.#hints.members(name, ik),
    createdAt: async (keys) =>
      (await Promise.all(keys.map((k) => this.#io.store.getMetadata(valueKey(k))))).map((m) => m?.createdAt),
  };
}

function pairIn(ix: readonly string[], indexName: string, indexKey: string): boolean {
  for (let i = 0; i + 1 < ix.length; i += 2) if (ix[i] === indexName && ix[i + 1] === indexKey) return true;
  return false;
}
