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
    let byKey = this.#byName.get(indexName);
    if (byKey === undefined) this.#byName.set(indexName, (byKey = new Map()));
    let set = byKey.get(indexKey);
    if (set === undefined) byKey.set(indexKey, (set = new Set()));
    if (set.has(key)) return false;
    set.add(key);
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

  /** True when the slot's memberships are exactly `pairs`, in order (the usual re-write of a value). */
  sameAs(slot: number, pairs: readonly string[]): boolean {
    const m = this.#members[slot];
    if (m === undefined) return pairs.length === 0;
    if (m.length !== pairs.length) return false;
    for (let i = 0; i < m.length; i++) if (m[i] !== pairs[i]) return false;
    return true;
  }

  /**
   * After a change that left the slot with exactly the pairs of `pairs` (in some order), keep them
   * in `pairs`' order, so the next identical write is recognised by `sameAs`.
   */
  adoptOrder(slot: number, pairs: readonly string[]): void {
    const m = this.#members[slot];
    if (m !== undefined && m.length === pairs.length) this.#members[slot] = [...pairs];
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
