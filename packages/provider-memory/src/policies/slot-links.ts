/** Marks "no slot" in links, heads and tails. */
export const NIL = -1;

/**
 * Doubly linked lists over slots, kept in one typed array shared by every list (a slot is in at
 * most one list at a time): lru-cache's layout — no node objects, so no allocation or GC pressure
 * per entry, 8 bytes per slot — except that a slot's prev and next sit side by side
 * (`[prev, next]` at `2 × slot`), so moving an entry touches one cache line for itself.
 */
export class SlotLinks {
  #links: Int32Array;
  readonly head: Int32Array;
  readonly tail: Int32Array;
  readonly length: Int32Array;

  constructor(capacity: number, lists = 1) {
    this.#links = new Int32Array(capacity * 2);
    this.head = new Int32Array(lists).fill(NIL);
    this.tail = new Int32Array(lists).fill(NIL);
    this.length = new Int32Array(lists);
  }

  resize(capacity: number): void {
    if (capacity * 2 <= this.#links.length) return;
    const links = new Int32Array(capacity * 2);
    links.set(this.#links);
    this.#links = links;
  }

  /** The slot before `slot` in its list (towards the head), or NIL. */
  prevOf(slot: number): number {
    return this.#links[slot * 2]!;
  }

  /** Append `slot` as the most recent end of `list`. */
  pushTail(list: number, slot: number): void {
    const l = this.#links;
    const t = this.tail[list]!;
    l[slot * 2] = t;
    l[slot * 2 + 1] = NIL;
    if (t === NIL) this.head[list] = slot;
    else l[t * 2 + 1] = slot;
    this.tail[list] = slot;
    this.length[list]!++;
  }

  /** Put `slot` at the least recent end of `list`. */
  pushHead(list: number, slot: number): void {
    const l = this.#links;
    const h = this.head[list]!;
    l[slot * 2] = NIL;
    l[slot * 2 + 1] = h;
    if (h === NIL) this.tail[list] = slot;
    else l[h * 2] = slot;
    this.head[list] = slot;
    this.length[list]!++;
  }

  /** Insert `slot` right after `anchor`, which is in `list`. */
  insertAfter(list: number, anchor: number, slot: number): void {
    const l = this.#links;
    const n = l[anchor * 2 + 1]!;
    l[slot * 2] = anchor;
    l[slot * 2 + 1] = n;
    l[anchor * 2 + 1] = slot;
    if (n === NIL) this.tail[list] = slot;
    else l[n * 2] = slot;
    this.length[list]!++;
  }

  unlink(list: number, slot: number): void {
    const l = this.#links;
    const p = l[slot * 2]!;
    const n = l[slot * 2 + 1]!;
    if (p === NIL) this.head[list] = n;
    else l[p * 2 + 1] = n;
    if (n === NIL) this.tail[list] = p;
    else l[n * 2] = p;
    this.length[list]!--;
  }

  /** Move `slot` (in `list`) to the most recent end; the LRU hit path. */
  moveToTail(list: number, slot: number): void {
    if (this.tail[list] === slot) return;
    this.unlink(list, slot);
    this.pushTail(list, slot);
  }
}
