import type { DerivedIndexes } from '@gocache/core';
import { encodePart } from './key-codec.js';

/**
 * The WRITE script's two trailing arguments for value-derived memberships (single server):
 *
 * - `plan`, the same on every write of a cache: `L` when some index has a limit (else `-`), then
 *   one line per derived index, `<index> <max or -> <r|e>` (r: reject, e: evict-oldest), names
 *   encoded as in keys.
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
  readonly #plan: string;
  /** `<encoded name>:` per index name. */
  readonly #heads = new Map<string, string>();

  constructor(d: DerivedIndexes) {
    this.#d = d;
    let plan = d.limits.size > 0 ? 'L\n' : '-\n';
    for (const name of d.names) {
      const limit = d.limits.get(name);
      plan += `${encodePart(name)} ${limit === undefined ? '-' : String(limit.max)} ${limit?.onExceed === 'reject' ? 'r' : 'e'}\n`;
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
}
