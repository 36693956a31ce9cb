const ROWS = 4;
const MAX = 15;
/** Counters per row per expected entry. 4 (16 four-bit counters per entry, 8 bytes) as in Caffeine. */
const WIDTH_PER_ENTRY = 4;
/** Increments between halvings, per expected entry; tuned on Zipf traces with and without scans. */
const SAMPLE_PER_ENTRY = 20;
const MAX_BITS = 26;
// Odd multipliers (from murmur3 / xxhash finalisers) give each row an independent index.
const SEEDS = [0x97cb3127, 0xc2b2ae35, 0x85ebca6b, 0x27d4eb2f];

/** 32-bit FNV-1a over UTF-16 code units: one pass, no allocation. */
export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/**
 * A count-min sketch of recent access frequency (TinyLFU's popularity estimate): 4 rows of 4-bit
 * counters (two per byte) capped at 15, with conservative update. After `20 × entries` increments
 * every counter is halved, so the sketch forgets old popularity (the "reset" of the TinyLFU paper).
 * It remembers keys that are no longer cached, which is what lets admission beat LRU on scans.
 */
export class FrequencySketch {
  #table = new Uint8Array(0);
  #bits = 0;
  #additions = 0;
  #sampleSize = 0;
  #entries = 0;

  constructor(expectedEntries: number) {
    this.ensureCapacity(expectedEntries);
  }

  /** Grow for more entries. Growing forgets the history; it happens only while the cache fills. */
  ensureCapacity(entries: number): void {
    if (entries <= this.#entries) return;
    this.#entries = entries;
    let bits = 4;
    while (1 << bits < entries * WIDTH_PER_ENTRY && bits < MAX_BITS) bits++;
    this.#sampleSize = SAMPLE_PER_ENTRY * entries;
    if (bits === this.#bits) return;
    this.#bits = bits;
    this.#table = new Uint8Array((ROWS << bits) >>> 1);
    this.#additions = 0;
  }

  frequency(hash: number): number {
    return Math.min(
      this.#get(this.#index(hash, 0)),
      this.#get(this.#index(hash, 1)),
      this.#get(this.#index(hash, 2)),
      this.#get(this.#index(hash, 3)),
    );
  }

  increment(hash: number): void {
    const i0 = this.#index(hash, 0);
    const i1 = this.#index(hash, 1);
    const i2 = this.#index(hash, 2);
    const i3 = this.#index(hash, 3);
    const c0 = this.#get(i0);
    const c1 = this.#get(i1);
    const c2 = this.#get(i2);
    const c3 = this.#get(i3);
    const min = Math.min(c0, c1, c2, c3);
    if (min === MAX) return;
    // Conservative update: only the counters at the minimum grow, which keeps estimates tighter.
    if (c0 === min) this.#inc(i0);
    if (c1 === min) this.#inc(i1);
    if (c2 === min) this.#inc(i2);
    if (c3 === min) this.#inc(i3);
    if (++this.#additions >= this.#sampleSize) this.#halve();
  }

  #index(hash: number, row: number): number {
    const x = Math.imul(hash ^ (hash >>> 16), SEEDS[row]!) >>> 0;
    return (row << this.#bits) + (x >>> (32 - this.#bits));
  }

  #get(i: number): number {
    return (this.#table[i >>> 1]! >>> ((i & 1) << 2)) & MAX;
  }

  #inc(i: number): void {
    this.#table[i >>> 1]! += 1 << ((i & 1) << 2);
  }

  #halve(): void {
    const t = this.#table;
    // Both nibbles at once: shift, then drop the bit that crossed from the high nibble into the low.
    for (let i = 0; i < t.length; i++) t[i] = (t[i]! >>> 1) & 0x77;
    this.#additions >>>= 1;
  }
}
