import type { DerivedIndexes, IndexMember } from '@gocache/core';
import { decodePart, encodePart } from './key-codec.js';
import type { KeyLayout } from './key-layout.js';

/**
 * The WRITE script's trailing arguments for value-derived memberships (single server): two on
 * every write, and the limit decisions (`decide`) on the second call of a write into a full
 * limited index key:
 *
 * - `plan`, the same on every write of a cache: `L` when some index has a limit (else `-`), then
 *   one line per derived index, `<index> <max or ->`, names encoded as in keys. Only the size: what
 *   happens to a full index key is the index owner's decision (`DerivedIndexes.overLimit`), which
 *   the store asks for and sends with a second call (see `RedisStore`).
 * - the value's membership signature: `<index>:<index key>` (encoded; the tail of the index set's
 *   key) per membership, each between spaces (encoded text has no spaces), which the entry keeps
 *   in its `d` field. A re-write whose signature equals the stored one leaves the index sets
 *   alone, so the script parses `plan` only when memberships change.
 *
 * Two short strings instead of three per membership plus a header: every argument costs the
 * client (ioredis builds a command holding a `Buffer` argument by concatenating buffers) and
 * Redis (one Lua string each, more for long ones).
 */
export class DerivedArgs {
  readonly #d: DerivedIndexes;
  readonly #layout: KeyLayout;
  readonly #plan: string;
  /** `<encoded name>:` per index name. */
  readonly #heads = new Map<string, string>();

  constructor(d: DerivedIndexes, layout: KeyLayout) {
    this.#d = d;
    this.#layout = layout;
    let plan = d.limits.size > 0 ? 'L\n' : '-\n';
    for (const name of d.names) {
      const limit = d.limits.get(name);
      plan += `${encodePart(name)} ${limit === undefined ? '-' : String(limit.max)}\n`;
    }
    this.#plan = plan;
  }

  /**
   * `[plan, signature]` for `value`. Calls `derive`, which may throw a `CacheError` to refuse the
   * write before anything is sent.
   */
  of(key: string, value: unknown): [string, string] {
    const pairs = this.#d.derive(key, value);
    let sig = ' ';
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const name = pairs[i]!;
      let head = this.#heads.get(name);
      if (head === undefined) this.#heads.set(name, (head = `${encodePart(name)}:`));
      sig += `${head}${encodePart(pairs[i + 1]!)} `;
    }
    return [this.#plan, sig];
  }

  /**
   * The index owner's decisions for the full limited sets of a WRITE reply `{-2, ask...}` (each ask
   * `[index set key, fingerprint, member, createdAt, …]`, see `write.lua`): `overLimit` per set on
   * its live members other than `key`, each recorded in `into` (by set) as the script's decision
   * line `<index set key> <fingerprint> <member to remove>…`. A throw of `overLimit` refuses the
   * write, which has not happened.
   */
  decide(key: string, reply: readonly unknown[], into: Map<string, string>): void {
    for (let a = 1; a < reply.length; a++) {
      const ask = reply[a] as readonly unknown[];
      const idx = String(ask[0]);
      const where = this.#layout.parseIndex(idx);
      if (where === undefined) continue; // not a set this layout names: the script never sends one
      const others: IndexMember[] = [];
      for (let i = 2; i + 1 < ask.length; i += 2) {
        const k = decodePart(String(ask[i]));
        if (k !== undefined) others.push({ key: k, createdAt: Number(String(ask[i + 1])) });
      }
      let line = `${idx} ${String(ask[1])}`;
      for (const victim of this.#d.overLimit(key, where.indexName, where.indexKey, others)) {
        line += ` ${encodePart(victim)}`;
      }
      into.set(idx, line);
    }
  }
}
