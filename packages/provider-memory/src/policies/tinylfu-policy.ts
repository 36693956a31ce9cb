import type { EvictionPolicy, EvictionPolicyFactory, PolicyContext } from './eviction-policy.js';
import { FrequencySketch, hashKey } from './frequency-sketch.js';
import { NIL, SlotLinks } from './slot-links.js';

const WINDOW = 0;
const PROBATION = 1;
const PROTECTED = 2;
const NONE = 3;

/**
 * W-TinyLFU (Einziger, Friedman & Manes; the policy of Caffeine): a small LRU *window* (1%) takes
 * newcomers; entries leaving the window are *candidates* for the segmented-LRU main space
 * (probation 20% / protected 80%). When the cache is over its bound, the candidate duels the
 * probation victim and the one the frequency sketch has seen less often is evicted. A scan of
 * one-off keys therefore churns only the window instead of flushing the hot set, while recency
 * still wins inside each segment.
 */
class TinyLfuPolicy implements EvictionPolicy {
  readonly name = 'tinylfu';
  readonly #links: SlotLinks;
  readonly #sketch: FrequencySketch;
  readonly #maxEntries: number | undefined;
  #hashes: Int32Array;
  #region: Uint8Array;
  /** The latest entry moved from the window into probation that has not yet faced a victim. */
  #candidate = NIL;

  constructor(context: PolicyContext) {
    this.#maxEntries = context.maxEntries;
    this.#links = new SlotLinks(context.capacity, 3);
    this.#hashes = new Int32Array(context.capacity);
    this.#region = new Uint8Array(context.capacity).fill(NONE);
    // Sized by the slots in use, not maxEntries: a generous bound must not allocate a huge sketch up front.
    this.#sketch = new FrequencySketch(context.capacity);
  }

  resize(capacity: number): void {
    this.#links.resize(capacity);
    if (capacity > this.#hashes.length) {
      const hashes = new Int32Array(capacity);
      hashes.set(this.#hashes);
      this.#hashes = hashes;
      const region = new Uint8Array(capacity).fill(NONE);
      region.set(this.#region);
      this.#region = region;
    }
    this.#sketch.ensureCapacity(capacity);
  }

  insert(slot: number, key: string): void {
    const h = hashKey(key);
    this.#hashes[slot] = h;
    this.#sketch.increment(h);
    this.#region[slot] = WINDOW;
    this.#links.pushTail(WINDOW, slot);
    const links = this.#links;
    const total = links.length[WINDOW]! + links.length[PROBATION]! + links.length[PROTECTED]!;
    if (links.length[WINDOW]! > windowShare(this.#maxEntries ?? total)) {
      const c = links.head[WINDOW]!;
      links.unlink(WINDOW, c);
      this.#region[c] = PROBATION;
      links.pushTail(PROBATION, c);
      this.#candidate = c;
    }
  }

  access(slot: number): void {
    this.#sketch.increment(this.#hashes[slot]!);
    const links = this.#links;
    const r = this.#region[slot]!;
    if (r !== PROBATION) {
      links.moveToTail(r, slot);
      return;
    }
    // A second hit in probation earns protection; protected overflow falls back to probation.
    if (slot === this.#candidate) this.#candidate = NIL;
    links.unlink(PROBATION, slot);
    this.#region[slot] = PROTECTED;
    links.pushTail(PROTECTED, slot);
    const main = links.length[PROBATION]! + links.length[PROTECTED]!;
    const mainMax = this.#maxEntries === undefined ? main : this.#maxEntries - windowShare(this.#maxEntries);
    if (links.length[PROTECTED]! > Math.max(1, Math.floor(mainMax * 0.8))) {
      const d = links.head[PROTECTED]!;
      links.unlink(PROTECTED, d);
      this.#region[d] = PROBATION;
      links.pushTail(PROBATION, d);
    }
  }

  update(slot: number): void {
    this.access(slot);
  }

  remove(slot: number): void {
    const r = this.#region[slot]!;
    if (r === NONE) return;
    this.#links.unlink(r, slot);
    this.#region[slot] = NONE;
    if (slot === this.#candidate) this.#candidate = NIL;
  }

  victim(): number {
    const links = this.#links;
    const candidate = this.#candidate;
    this.#candidate = NIL;
    let victim = links.head[PROBATION]!;
    if (victim === candidate) victim = links.head[PROTECTED]!;
    if (candidate !== NIL && victim !== NIL) {
      const sketch = this.#sketch;
      return sketch.frequency(this.#hashes[candidate]!) > sketch.frequency(this.#hashes[victim]!) ? victim : candidate;
    }
    if (victim !== NIL) return victim;
    const w = links.head[WINDOW]!;
    return w !== NIL ? w : links.head[PROTECTED]!;
  }
}

function windowShare(entries: number): number {
  return Math.max(1, Math.floor(entries / 100));
}

/**
 * W-TinyLFU: scan-resistant admission (frequency sketch) in front of a segmented LRU. Costs 8
 * bytes of sketch and 5 bytes of bookkeeping per entry beyond LRU, plus one key hash per insert.
 */
export const tinyLfuPolicy: EvictionPolicyFactory = (context) => new TinyLfuPolicy(context);
