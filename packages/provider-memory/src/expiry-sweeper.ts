/** What the sweeper needs from a store. */
export interface Sweepable {
  /** Whether any live entry has a finite expiry (if not, a tick does nothing). */
  hasExpiring(): boolean;
  /** Inspect up to `budget` slots from `cursor`, removing expired entries; the next cursor, or -1 at the end. */
  sweep(cursor: number, budget: number): number;
}

/**
 * Background removal of expired entries. Every `intervalMs` it starts a pass over the store's
 * slots, `batchSize` slots per event-loop turn (continuing with `setImmediate`), so even a huge
 * cache never blocks the loop for long. Both timers are `unref`'d: a cache never keeps the
 * process alive. The store is held weakly, so a cache dropped without `close()` can still be
 * collected, and its sweeper then stops itself. Reads do not depend on it; they check expiry themselves.
 */
export class ExpirySweeper {
  readonly #store: WeakRef<Sweepable>;
  readonly #batchSize: number;
  #interval: ReturnType<typeof setInterval> | undefined;
  #immediate: ReturnType<typeof setImmediate> | undefined;
  #cursor = -1;

  constructor(store: Sweepable, intervalMs: number, batchSize: number) {
    this.#store = new WeakRef(store);
    this.#batchSize = batchSize;
    this.#interval = setInterval(() => this.#startPass(), intervalMs);
    this.#interval.unref?.();
  }

  /** True while a pass is spread over several turns (for tests). */
  get sweeping(): boolean {
    return this.#immediate !== undefined;
  }

  stop(): void {
    if (this.#interval !== undefined) clearInterval(this.#interval);
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#interval = undefined;
    this.#immediate = undefined;
    this.#cursor = -1;
  }

  #startPass(): void {
    // A pass still running from the last tick keeps its cursor; a new one would restart it.
    const store = this.#store.deref();
    if (store === undefined) {
      this.stop();
      return;
    }
    if (this.#cursor !== -1 || !store.hasExpiring()) return;
    this.#cursor = 0;
    this.#step();
  }

  #step(): void {
    this.#immediate = undefined;
    if (this.#interval === undefined) return;
    const store = this.#store.deref();
    if (store === undefined) {
      this.stop();
      return;
    }
    this.#cursor = store.sweep(this.#cursor, this.#batchSize);
    if (this.#cursor === -1) return;
    this.#immediate = setImmediate(() => this.#step());
    this.#immediate.unref?.();
  }
}
