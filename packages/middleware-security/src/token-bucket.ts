/** A token bucket: `capacity` tokens, refilled continuously at `refillPerMs`. */
export interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets by name, oldest-used first, capped at `maxBuckets` (a dropped bucket comes back full). */
export class TokenBuckets {
  readonly #buckets = new Map<string, Bucket>();
  readonly #capacity: number;
  readonly #refillPerMs: number;
  readonly #max: number;

  constructor(capacity: number, refillPerSecond: number, maxBuckets: number) {
    this.#capacity = capacity;
    this.#refillPerMs = refillPerSecond / 1000;
    this.#max = maxBuckets;
  }

  /** Take `n` tokens from `name` at time `now` (ms); returns 0 on success, else ms until enough refill. */
  take(name: string, n: number, now: number): number {
    let b = this.#buckets.get(name);
    if (b === undefined) {
      b = { tokens: this.#capacity, at: now };
      if (this.#buckets.size >= this.#max) {
        const oldest = this.#buckets.keys().next().value;
        if (oldest !== undefined) this.#buckets.delete(oldest);
      }
    } else {
      this.#buckets.delete(name);
      b.tokens = Math.min(this.#capacity, b.tokens + Math.max(0, now - b.at) * this.#refillPerMs);
      b.at = now;
    }
    // Re-inserting keeps the Map in least-recently-used order for the cap above.
    this.#buckets.set(name, b);
    if (b.tokens >= n) {
      b.tokens -= n;
      return 0;
    }
    return this.#refillPerMs > 0 ? Math.ceil((n - b.tokens) / this.#refillPerMs) : Number.POSITIVE_INFINITY;
  }

  /** Give back `n` tokens (an operation refused for another bucket did not run). */
  refund(name: string, n: number): void {
    const b = this.#buckets.get(name);
    if (b !== undefined) b.tokens = Math.min(this.#capacity, b.tokens + n);
  }

  get size(): number {
    return this.#buckets.size;
  }
}
