const ROWS = 4;
const MAX = 15;
// Odd multipliers (from Caffeine's FrequencySketch and splitmix) give each row an independent index.
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
 * A count-min sketch of recent access frequency (TinyLFU's "popularity" estimate): 4 rows of
 * byte counters capped at 15, with conservative update. After `10 × width` increments every
 * counter is halved, so the sketch forgets old popularity (the "reset" of the TinyLFU paper).
 * It remembers keys that are no longer cached, which is what lets admission beat LRU on scans.
 */
export class FrequencySketch {
  #table: Uint8Array;
  #bits: number;
  #additions = 0;
  #sampleSize: number;

  constructor(expectedEntries: number) {
    this.#bits = 4;
    this.#table = new Uint8Array(0);
    this.#sampleSize = 0;
    this.ensureCapacity(expectedEntries);
  }

  /** Width of each row, a power of two ≥ the expected entry count. */
  get width(): number {
    return 1 << this.#bits;
  }

  /** Grow for more entries; growing forgets the history (rare: capacity doubles each time). */
  ensureCapacity(entries: number): void {
    let bits = 4;
    while (1 << bits < entries && bits < 26) bits++;
    if (this.#table.length > 0 && bits <= this.#bits) return;
    this.#bits = bits;
    this.#table = new Uint8Array(ROWS << bits);
    this.#sampleSize = 10 << bits;
    this.#additions = 0;
  }

  frequency(hash: number): number {
    let min = MAX;
    for (let r = 0; r < ROWS; r++) {
      const v = this.#table[this.#index(hash, r)]!;
      if (v < min) min = v;
    }
    return min;
  }

  increment(hash: number): void {
    const t = this.#table;
    const i0 = this.#index(hash, 0);
    const i1 = this.#index(hash, 1);
    const i2 = this.#index(hash, 2);
    const i3 = this.#index(hash, 3);
    const min = Math.min(t[i0]!, t[i1]!, t[i2]!, t[i3]!);
    if (min === MAX) return;
    // Conservative update: only the counters at the minimum grow, which keeps estimates tighter.
    if (t[i0] === min) t[i0]++;
    if (t[i1] === min) t[i1]++;
    if (t[i2] === min) t[i2]++;
    if (t[i3] === min) t[i3]++;
    if (++this.#additions >= this.#sampleSize) this.#halve();
  }

  #index(hash: number, row: number): number {
    const x = Math.imul(hash ^ (hash >>> 16), SEEDS[row]!) >>> 0;
    return (row << this.#bits) + (x >>> (32 - this.#bits));
  }

  #halve(): void {
    const t = this.#table;
    for (let i = 0; i < t.length; i++) t[i] = t[i]! >>> 1;
    this.#additions >>>= 1;
  }
}
