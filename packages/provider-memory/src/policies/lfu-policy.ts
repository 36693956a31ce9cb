import type { EvictionPolicy, EvictionPolicyFactory, PolicyContext } from './eviction-policy.js';
import { NIL, SlotLinks } from './slot-links.js';

/** Counts saturate here, so the per-count bucket table stays a fixed 1 KiB. */
const MAX_COUNT = 255;

/**
 * Least frequently used in O(1): one list ordered by access count (ascending, ties least recent
 * first) plus the last slot of each count's run, so a hit moves a slot to the end of the next
 * count's run without searching. The head is evicted. Counts saturate at 255; saturated entries
 * are ordered by recency among themselves.
 */
class LfuPolicy implements EvictionPolicy {
  readonly name = 'lfu';
  readonly #links: SlotLinks;
  #counts: Uint8Array;
  /** Last (most recent) slot with each count, or NIL. */
  readonly #runTail = new Int32Array(MAX_COUNT + 1).fill(NIL);

  constructor(context: PolicyContext) {
    this.#links = new SlotLinks(context.capacity);
    this.#counts = new Uint8Array(context.capacity);
  }

  resize(capacity: number): void {
    this.#links.resize(capacity);
    if (capacity > this.#counts.length) {
      const counts = new Uint8Array(capacity);
      counts.set(this.#counts);
      this.#counts = counts;
    }
  }

  insert(slot: number): void {
    this.#counts[slot] = 1;
    const anchor = this.#runTail[1]!;
    if (anchor === NIL) this.#links.pushHead(0, slot);
    else this.#links.insertAfter(0, anchor, slot);
    this.#runTail[1] = slot;
  }

  access(slot: number): void {
    const links = this.#links;
    const c = this.#counts[slot]!;
    if (c === MAX_COUNT) {
      // Saturated: stay in the top run but become its most recent member.
      const t = this.#runTail[c]!;
      if (t !== slot) {
        this.#detachFromRun(slot, c);
        links.unlink(0, slot);
        links.insertAfter(0, t, slot);
        this.#runTail[c] = slot;
      }
      return;
    }
    const up = this.#runTail[c + 1]!;
    const ownTail = this.#runTail[c]!;
    this.#detachFromRun(slot, c);
    this.#counts[slot] = c + 1;
    if (up !== NIL) {
      links.unlink(0, slot);
      links.insertAfter(0, up, slot);
    } else if (ownTail !== slot) {
      // No run for c+1 yet: it starts right after the run of c, which `slot` was inside.
      links.unlink(0, slot);
      links.insertAfter(0, ownTail, slot);
    }
    this.#runTail[c + 1] = slot;
  }

  update(slot: number): void {
    this.access(slot);
  }

  remove(slot: number): void {
    this.#detachFromRun(slot, this.#counts[slot]!);
    this.#links.unlink(0, slot);
  }

  victim(): number {
    return this.#links.head[0]!;
  }

  /** Before `slot` leaves the run of count `c`: if it is the run's tail, its predecessor (same count) takes over. */
  #detachFromRun(slot: number, c: number): void {
    if (this.#runTail[c] !== slot) return;
    const p = this.#links.prevOf(slot);
    this.#runTail[c] = p !== NIL && this.#counts[p] === c ? p : NIL;
  }
}

/** Least frequently used, O(1) per operation. Good for stable popularity; slow to forget old favourites. */
export const lfuPolicy: EvictionPolicyFactory = (context) => new LfuPolicy(context);
