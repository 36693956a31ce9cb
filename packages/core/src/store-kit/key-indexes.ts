import { IndexRegistry } from './index-registry.js';

/**
 * `IndexRegistry` for a store keyed by string only (a `Map` store): it hands each indexed key a
 * slot, and takes it back when the key's last membership goes, so a key costs nothing here until
 * it joins an index. The store keeps two duties: call `drop(key)` whenever an entry leaves (any
 * reason), and filter out members that are not live when it answers a query.
 */
export class KeyIndexes {
  #registry = new IndexRegistry();
  readonly #slots = new Map<string, number>();
  /** Slot → key. */
  readonly #keys: (string | undefined)[] = [];
  readonly #free: number[] = [];

  /** `key` joins the set (indexName, indexKey); false when it already was in it. */
  add(indexName: string, indexKey: string, key: string): boolean {
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      slot = this.#free.pop() ?? this.#keys.length;
      this.#slots.set(key, slot);
      this.#keys[slot] = key;
    }
    return this.#registry.add(indexName, indexKey, slot);
  }

  /** `key` leaves one set. */
  remove(indexName: string, indexKey: string, key: string): void {
    const slot = this.#slots.get(key);
    if (slot === undefined) return;
    this.#registry.remove(indexName, indexKey, slot);
    if (this.#registry.current(slot) === undefined) this.#release(key, slot);
  }

  /** The entry of `key` left the store: it leaves every set. */
  drop(key: string): void {
    const slot = this.#slots.get(key);
    if (slot === undefined) return;
    this.#registry.drop(slot);
    this.#release(key, slot);
  }

  /** The keys in the set, live or not (the store filters), in no particular order; a copy. */
  keys(indexName: string, indexKey: string): string[] {
    const slots = this.#registry.slots(indexName, indexKey);
    return slots === undefined ? [] : slots.map((s) => this.#keys[s]!);
  }

  /** The memberships of `key` (for `CacheEntryMetadata.indexes`). */
  memberships(key: string): { indexName: string; indexKey: string }[] {
    const slot = this.#slots.get(key);
    return slot === undefined ? [] : this.#registry.memberships(slot);
  }

  /** Memberships held, dead or alive: a store's `indexFootprint()`. */
  footprint(): number {
    return this.#registry.footprint();
  }

  /** Forget everything (`clear`, `close`). */
  clear(): void {
    this.#registry = new IndexRegistry();
    this.#slots.clear();
    this.#keys.length = 0;
    this.#free.length = 0;
  }

  #release(key: string, slot: number): void {
    this.#slots.delete(key);
    this.#keys[slot] = undefined;
    this.#free.push(slot);
  }
}
