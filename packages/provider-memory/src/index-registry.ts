function hasPair(pairs: readonly string[], name: string, indexKey: string): boolean {
  for (let i = 0; i + 1 < pairs.length; i += 2) if (pairs[i] === name && pairs[i + 1] === indexKey) return true;
  return false;
}

/**
 * Native indexes of one store: indexName → indexKey → set of cache keys, plus, per slot, the
 * flat list `[indexName, indexKey, …]` of the sets that entry is in. The reverse list makes an
 * entry's departure O(its memberships), and empty sets and maps are deleted at once, so index
 * storage tracks live memberships only and does not grow as entries churn.
 */
export class IndexRegistry {
  readonly #byName = new Map<string, Map<string, Set<string>>>();
  /** Per slot: memberships as consecutive (indexName, indexKey) pairs. */
  readonly #members: (string[] | undefined)[] = [];

  /** Add `key` (in `slot`) to a set; false if it was already there. */
  add(indexName: string, indexKey: string, key: string, slot: number): boolean {
    if (!this.#link(indexName, indexKey, key)) return false;
    const m = this.#members[slot];
    if (m === undefined) this.#members[slot] = [indexName, indexKey];
    else m.push(indexName, indexKey);
    return true;
  }

  /** Remove `key` (in `slot`) from one set. */
  remove(indexName: string, indexKey: string, key: string, slot: number): void {
    if (!this.#unlink(indexName, indexKey, key)) return;
    const m = this.#members[slot];
    if (m === undefined) return;
    for (let i = 0; i < m.length; i += 2) {
      if (m[i] === indexName && m[i + 1] === indexKey) {
        m.splice(i, 2);
        break;
      }
    }
    if (m.length === 0) this.#members[slot] = undefined;
  }

  /** The entry in `slot` left the store: take it out of every set it is in. */
  drop(slot: number, key: string): void {
    const m = this.#members[slot];
    if (m === undefined) return;
    this.#members[slot] = undefined;
    for (let i = 0; i < m.length; i += 2) this.#unlink(m[i]!, m[i + 1]!, key);
  }

  /** The live set (do not mutate), or undefined. */
  keys(indexName: string, indexKey: string): ReadonlySet<string> | undefined {
    return this.#byName.get(indexName)?.get(indexKey);
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
   * duplicates), leaving memberships in other indexes alone: one pass over the old list, no
   * intermediate objects. The new list holds `pairs` first, so the next identical write is
   * recognised by `holds`. Pairs newly joined are appended to `joined`, when given. With `owned`,
   * `pairs` is a fresh array nobody else holds, and becomes the list itself instead of a copy.
   */
  replace(
    slot: number,
    key: string,
    names: ReadonlySet<string>,
    pairs: readonly string[],
    owned: boolean,
    joined?: string[],
  ): void {
    const m = this.#members[slot];
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const name = pairs[i]!;
      const indexKey = pairs[i + 1]!;
      if (m !== undefined && hasPair(m, name, indexKey)) continue;
      if (this.#link(name, indexKey, key)) joined?.push(name, indexKey);
    }
    let others = false;
    if (m !== undefined) {
      for (let i = 0; i + 1 < m.length; i += 2) {
        const name = m[i]!;
        const indexKey = m[i + 1]!;
        if (hasPair(pairs, name, indexKey)) continue;
        if (names.has(name)) this.#unlink(name, indexKey, key);
        else others = true;
      }
      // The usual move (same number of pairs, none in other indexes): the list is rewritten in
      // place, so no new list outlives the write (a long-lived list per write is GC work).
      if (!others && m.length === pairs.length) {
        for (let i = 0; i < m.length; i++) m[i] = pairs[i]!;
        return;
      }
    }
    // With `owned`, `pairs` itself becomes the list.
    const next = owned ? (pairs as string[]) : pairs.slice();
    if (others) {
      for (let i = 0; i + 1 < m!.length; i += 2) {
        if (!names.has(m![i]!) && !hasPair(pairs, m![i]!, m![i + 1]!)) next.push(m![i]!, m![i + 1]!);
      }
    }
    this.#members[slot] = next.length === 0 ? undefined : next;
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

  /** Sizes for tests and diagnostics: names, sets, memberships, and slots holding a list. */
  stats(): { names: number; sets: number; memberships: number; slotsWithMemberships: number } {
    let sets = 0;
    let memberships = 0;
    for (const byKey of this.#byName.values()) {
      sets += byKey.size;
      for (const set of byKey.values()) memberships += set.size;
    }
    let slotsWithMemberships = 0;
    for (const m of this.#members) if (m !== undefined) slotsWithMemberships++;
    return { names: this.#byName.size, sets, memberships, slotsWithMemberships };
  }

  /** Put `key` in a set (creating it); false if it was already there. Leaves the slot's list alone. */
  #link(indexName: string, indexKey: string, key: string): boolean {
    let byKey = this.#byName.get(indexName);
    if (byKey === undefined) this.#byName.set(indexName, (byKey = new Map()));
    let set = byKey.get(indexKey);
    if (set === undefined) byKey.set(indexKey, (set = new Set()));
    if (set.has(key)) return false;
    set.add(key);
    return true;
  }

  #unlink(indexName: string, indexKey: string, key: string): boolean {
    const byKey = this.#byName.get(indexName);
    const set = byKey?.get(indexKey);
    if (set === undefined || !set.delete(key)) return false;
    if (set.size === 0) {
      byKey!.delete(indexKey);
      if (byKey!.size === 0) this.#byName.delete(indexName);
    }
    return true;
  }
}
