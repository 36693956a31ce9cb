/** Marks "no slot" in links, heads and tails. */
export const NIL = -1;

/**
 * Doubly linked lists over slots, kept in two typed arrays shared by every list: a slot is in at
 * most one list at a time. This is lru-cache's layout — no node objects, so no allocation or GC
 * pressure per entry, and 8 bytes per slot.
 */
export class SlotLinks {
  prev: Int32Array;
  next: Int32Array;
  readonly head: Int32Array;
  readonly tail: Int32Array;
  readonly length: Int32Array;

  constructor(capacity: number, lists = 1) {
    this.prev = new Int32Array(capacity);
    this.next = new Int32Array(capacity);
    this.head = new Int32Array(lists).fill(NIL);
    this.tail = new Int32Array(lists).fill(NIL);
    this.length = new Int32Array(lists);
  }

  resize(capacity: number): void {
    if (capacity <= this.prev.length) return;
    const prev = new Int32Array(capacity);
    prev.set(this.prev);
    const next = new Int32Array(capacity);
    next.set(this.next);
    this.prev = prev;
    this.next = next;
  }

  /** Append `slot` as the most recent end of `list`. */
  pushTail(list: number, slot: number): void {
    const t = this.tail[list]!;
    this.prev[slot] = t;
    this.next[slot] = NIL;
    if (t === NIL) this.head[list] = slot;
    else this.next[t] = slot;
    this.tail[list] = slot;
    this.length[list]!++;
  }

  /** Put `slot` at the least recent end of `list`. */
  pushHead(list: number, slot: number): void {
    const h = this.head[list]!;
    this.next[slot] = h;
    this.prev[slot] = NIL;
    if (h === NIL) this.tail[list] = slot;
    else this.prev[h] = slot;
    this.head[list] = slot;
    this.length[list]!++;
  }

  /** Insert `slot` right after `anchor`, which is in `list`. */
  insertAfter(list: number, anchor: number, slot: number): void {
    const n = this.next[anchor]!;
    this.prev[slot] = anchor;
    this.next[slot] = n;
    this.next[anchor] = slot;
    if (n === NIL) this.tail[list] = slot;
    else this.prev[n] = slot;
    this.length[list]!++;
  }

  unlink(list: number, slot: number): void {
    const p = this.prev[slot]!;
    const n = this.next[slot]!;
    if (p === NIL) this.head[list] = n;
    else this.next[p] = n;
    if (n === NIL) this.tail[list] = p;
    else this.prev[n] = p;
    this.length[list]!--;
  }

  /** Move `slot` (in `list`) to the most recent end; the LRU hit path. */
  moveToTail(list: number, slot: number): void {
    if (this.tail[list] === slot) return;
    this.unlink(list, slot);
    this.pushTail(list, slot);
  }
}
