/** Index of the pair (`name`, `indexKey`) in a flat pair list, or -1. */
function pairAt(pairs: readonly string[], name: string, indexKey: string): number {
  for (let i = 0; i + 1 < pairs.length; i += 2) if (pairs[i] === name && pairs[i + 1] === indexKey) return i;
  return -1;
}

/**
 * One index set (indexName, indexKey): the slots of its members, in no particular order. Each
 * member's position in it is kept with the member's own membership list, so leaving is a swap
 * with the last member and a pop, with no hashing. A bare array: one object to touch per set.
 */
type IndexSet = number[];

/**
 * In-process indexes of one store: indexName → indexKey → set of slots, plus, per slot, the flat list
 * `[indexName, indexKey, …]` of the sets that entry is in and, side by side with it, where it is
 * in each (`[set, position, …]`, the same indices as the pairs). The reverse lists make an entry's
 * departure O(its memberships) with no hashing, and empty sets and maps are deleted at once, so
 * index storage tracks live memberships only and does not grow as entries churn.
 *
 * A slot is a small non-negative integer naming one entry (an index into the store's own arrays,
 * reused after the entry leaves; `KeyIndexes` hands them out for stores keyed by string only).
 * Invariant: slot `s` is at `set[p]` exactly when `#where[s]` holds `set` followed by `p`,
 * and then `#members[s]` holds the pair that names `set` at the same index. A slot leaves every
 * set (`drop`) before the store hands it to another entry.
 */
export class IndexRegistry {
  readonly #byName = new Map<string, Map<string, IndexSet>>();
  /** Per slot: memberships as consecutive (indexName, indexKey) pairs. */
  readonly #members: (string[] | undefined)[] = [];
  /** Per slot, aligned with `#members`: consecutive (set, position in the set) pairs. */
  readonly #where: ((IndexSet | number)[] | undefined)[] = [];
  /** The index name `#set` looked up last, and its map (writes usually touch one or two names). */
  #lastName: string | undefined;
  #lastByKey: Map<string, IndexSet> | undefined;
  /** Set members held, for `footprint`. */
  #held = 0;

  /** Add `slot` to a set; false if it was already there. */
  add(indexName: string, indexKey: string, slot: number): boolean {
    const m = this.#members[slot];
    if (m !== undefined && pairAt(m, indexName, indexKey) >= 0) return false;
    const set = this.#set(indexName, indexKey);
    const pos = set.push(slot) - 1;
    this.#held++;
    if (m === undefined) {
      this.#members[slot] = [indexName, indexKey];
      this.#where[slot] = [set, pos];
    } else {
      m.push(indexName, indexKey);
      this.#where[slot]!.push(set, pos);
    }
    return true;
  }

  /** Remove `slot` from one set. */
  remove(indexName: string, indexKey: string, slot: number): void {
    const m = this.#members[slot];
    if (m === undefined) return;
    const i = pairAt(m, indexName, indexKey);
    if (i < 0) return;
    const w = this.#where[slot]!;
    this.#leave(w[i] as IndexSet, w[i + 1] as number, indexName, indexKey);
    if (m.length === 2) {
      this.#members[slot] = undefined;
      this.#where[slot] = undefined;
    } else {
      m.splice(i, 2);
      w.splice(i, 2);
    }
  }

  /** The entry in `slot` left the store: take it out of every set it is in. */
  drop(slot: number): void {
    const m = this.#members[slot];
    const w = this.#where[slot];
    if (m === undefined || w === undefined) return;
    this.#members[slot] = undefined;
    this.#where[slot] = undefined;
    for (let i = 0; i < w.length; i += 2) this.#leave(w[i] as IndexSet, w[i + 1] as number, m[i]!, m[i + 1]!);
  }

  /**
   * The slots in a set, in no particular order (a departure moves the last member into its
   * place); undefined when the set is empty. Live: do not mutate, and copy before removing entries.
   */
  slots(indexName: string, indexKey: string): readonly number[] | undefined {
    return this.#byName.get(indexName)?.get(indexKey);
  }

  /** True when `slot` is in the set (indexName, indexKey). */
  has(slot: number, indexName: string, indexKey: string): boolean {
    const m = this.#members[slot];
    return m !== undefined && pairAt(m, indexName, indexKey) >= 0;
  }

  /**
   * True when the slot's memberships in the indexes of `names` are exactly `pairs`, in order: the
   * usual re-write of a value. `replace` keeps those pairs first, in `pairs`' order, so this is one
   * identity comparison per string; memberships after them must be in other indexes.
   */
  holds(slot: number, names: ReadonlySet<string>, pairs: readonly string[]): boolean {
    const m = this.#members[slot];
    // `deriveFrom` hands back the very list when nothing changed.
    if (pairs === m) return true;
    const n = pairs.length;
    if (m === undefined) return n === 0;
    if (m.length < n) return false;
    for (let i = 0; i < n; i++) if (m[i] !== pairs[i]) return false;
    for (let i = n; i < m.length; i += 2) if (names.has(m[i]!)) return false;
    return true;
  }

  /**
   * Make the slot's memberships in the indexes of `names` exactly `pairs` (flat, without
   * duplicates), leaving memberships in other indexes alone. The new list holds `pairs` first, so
   * the next identical write is recognised by `holds`. Pairs newly joined are appended to
   * `joined`, when given. With `owned`, `pairs` is a fresh array nobody else holds, and may become
   * the list itself instead of a copy.
   */
  replace(slot: number, names: ReadonlySet<string>, pairs: readonly string[], owned: boolean, joined?: string[]): void {
    const m = this.#members[slot];
    if (m !== undefined && m.length === pairs.length && this.#aligned(m, names, pairs)) {
      // The usual move: as many pairs, each one either kept where it was or swapped for a pair
      // that is new, and none in other indexes. Both lists change in place, so no new list
      // outlives the write (a long-lived list per write is GC work).
      const w = this.#where[slot]!;
      for (let i = 0; i < m.length; i += 2) {
        const name = pairs[i]!;
        const indexKey = pairs[i + 1]!;
        if (m[i] === name && m[i + 1] === indexKey) continue;
        // Join before leaving: the set left may be the last of its index name.
        const set = this.#set(name, indexKey);
        const pos = set.push(slot) - 1;
        this.#held++;
        this.#leave(w[i] as IndexSet, w[i + 1] as number, m[i]!, m[i + 1]!);
        m[i] = name;
        m[i + 1] = indexKey;
        w[i] = set;
        w[i + 1] = pos;
        joined?.push(name, indexKey);
      }
      return;
    }
    const w = this.#where[slot];
    const next = owned ? (pairs as string[]) : pairs.slice();
    const nextWhere: (IndexSet | number)[] = new Array(pairs.length);
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const name = pairs[i]!;
      const indexKey = pairs[i + 1]!;
      const j = m === undefined ? -1 : pairAt(m, name, indexKey);
      if (j >= 0) {
        nextWhere[i] = w![j]!;
        nextWhere[i + 1] = w![j + 1]!;
        continue;
      }
      const set = this.#set(name, indexKey);
      nextWhere[i] = set;
      nextWhere[i + 1] = set.push(slot) - 1;
      this.#held++;
      joined?.push(name, indexKey);
    }
    if (m !== undefined) {
      for (let i = 0; i + 1 < m.length; i += 2) {
        const name = m[i]!;
        const indexKey = m[i + 1]!;
        if (pairAt(pairs, name, indexKey) >= 0) continue;
        if (names.has(name)) {
          this.#leave(w![i] as IndexSet, w![i + 1] as number, name, indexKey);
        } else {
          next.push(name, indexKey);
          nextWhere.push(w![i]!, w![i + 1]!);
        }
      }
    }
    if (next.length === 0) {
      this.#members[slot] = undefined;
      this.#where[slot] = undefined;
    } else {
      this.#members[slot] = next;
      this.#where[slot] = nextWhere;
    }
  }

  /** The slot's membership list as kept (flat pairs; do not mutate), or undefined. */
  current(slot: number): readonly string[] | undefined {
    return this.#members[slot];
  }

  /** The memberships of the entry in `slot`. */
  memberships(slot: number): { indexName: string; indexKey: string }[] {
    const m = this.#members[slot];
    const out: { indexName: string; indexKey: string }[] = [];
    if (m !== undefined) for (let i = 0; i < m.length; i += 2) out.push({ indexName: m[i]!, indexKey: m[i + 1]! });
    return out;
  }

  /**
   * The memberships the sets hold right now, live entries' or not: what index storage costs, for a
   * store's `indexFootprint()`. O(1).
   */
  footprint(): number {
    return this.#held;
  }

  /** Sizes for tests and diagnostics: names, sets, memberships, and slots holding a list. */
  stats(): { names: number; sets: number; memberships: number; slotsWithMemberships: number } {
    let sets = 0;
    let memberships = 0;
    for (const byKey of this.#byName.values()) {
      sets += byKey.size;
      for (const set of byKey.values()) memberships += set.length;
    }
    let slotsWithMemberships = 0;
    for (const m of this.#members) if (m !== undefined) slotsWithMemberships++;
    return { names: this.#byName.size, sets, memberships, slotsWithMemberships };
  }

  /**
   * Checks the invariant both ways (every set member points back at its position, every listed
   * membership is in its set, no empty set or map is kept); throws on the first breach. For tests.
   */
  verify(): void {
    const fail = (m: string): never => {
      throw new Error(`IndexRegistry: ${m}`);
    };
    let listed = 0;
    for (let s = 0; s < this.#members.length; s++) {
      const m = this.#members[s];
      const w = this.#where[s];
      if (m === undefined) {
        if (w !== undefined) fail(`slot ${s} has positions but no memberships`);
        continue;
      }
      if (w === undefined || w.length !== m.length || m.length === 0) fail(`slot ${s}: lists out of step`);
      for (let i = 0; i < m.length; i += 2) {
        const set = w![i] as IndexSet;
        const pos = w![i + 1] as number;
        if (this.#byName.get(m[i]!)?.get(m[i + 1]!) !== set) fail(`slot ${s}: pair ${i / 2} is not its set`);
        if (set[pos] !== s) fail(`slot ${s}: not at its position in ${m[i]}/${m[i + 1]}`);
        if (pairAt(m, m[i]!, m[i + 1]!) !== i) fail(`slot ${s}: duplicate membership`);
        listed++;
      }
    }
    let held = 0;
    for (const [name, byKey] of this.#byName) {
      if (byKey.size === 0) fail(`empty map kept for ${name}`);
      for (const [indexKey, set] of byKey) {
        if (set.length === 0) fail(`empty set kept: ${name}/${indexKey}`);
        held += set.length;
      }
    }
    if (held !== listed) fail(`${held} set members but ${listed} listed memberships`);
    if (held !== this.#held) fail(`footprint() says ${this.#held} but the sets hold ${held}`);
  }

  /**
   * True when `pairs` can replace `m` position by position: no membership of `m` is in another
   * index, and at every position where they differ, `m`'s pair is not in `pairs` and `pairs`' is
   * not in `m` (a pair that only moved position is left to the general path).
   */
  #aligned(m: readonly string[], names: ReadonlySet<string>, pairs: readonly string[]): boolean {
    for (let i = 0; i < m.length; i += 2) {
      const name = m[i]!;
      const indexKey = m[i + 1]!;
      if (name === pairs[i] && indexKey === pairs[i + 1]) continue;
      if (!names.has(name) || pairAt(pairs, name, indexKey) >= 0 || pairAt(m, pairs[i]!, pairs[i + 1]!) >= 0) {
        return false;
      }
    }
    return true;
  }

  /** The set (indexName, indexKey), created if need be. */
  #set(indexName: string, indexKey: string): IndexSet {
    let byKey = indexName === this.#lastName ? this.#lastByKey : this.#byName.get(indexName);
    if (byKey === undefined) this.#byName.set(indexName, (byKey = new Map()));
    this.#lastName = indexName;
    this.#lastByKey = byKey;
    let set = byKey.get(indexKey);
    if (set === undefined) byKey.set(indexKey, (set = []));
    return set;
  }

  /**
   * Take the member at `pos` out of `set`, the set (indexName, indexKey): the last member moves
   * into its place (its position is updated in its own list), and a set left empty is deleted,
   * with its name's map if that empties.
   */
  #leave(set: IndexSet, pos: number, indexName: string, indexKey: string): void {
    const last = set.length - 1;
    if (pos !== last) {
      const moved = set[last]!;
      set[pos] = moved;
      // Bounded by the list (the invariant says the set is in it): a breach never spins.
      const w = this.#where[moved]!;
      for (let j = 0; j < w.length; j += 2) {
        if (w[j] === set) {
          w[j + 1] = pos;
          break;
        }
      }
    }
    set.pop();
    this.#held--;
    if (last === 0) {
      const byKey = this.#byName.get(indexName)!;
      byKey.delete(indexKey);
      if (byKey.size === 0) {
        this.#byName.delete(indexName);
        if (this.#lastByKey === byKey) this.#lastName = this.#lastByKey = undefined;
      }
    } else if ((last & (last - 1)) === 0) {
      // An optimised pop never gives memory back, so a set that shrank would keep the room of its
      // largest size. Setting the length does (V8 trims when over half is unused); doing it at
      // powers of two only keeps it off the usual path and the room within ~4× the members.
      set.length = last;
    }
  }
}
