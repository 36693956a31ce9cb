import type { BusState } from '@gocache/core';

/**
 * Decides when L1 may be trusted and filled. An L2 read can race an invalidation (ours or
 * another process's): its reply may carry the value the invalidation replaced. So every read
 * takes a `ticket()` before it asks L2, and fills L1 only if nothing that could affect its key
 * happened since (`mayFill`). Invalidated keys are remembered only while reads are in flight.
 */
export class L1Guard {
  /** Counter of invalidation events; tickets are values of it. */
  #clock = 0;
  /** The last event that affected every key (a pattern, "all", a bus state change). */
  #allAt = 0;
  /** The last event per key, while reads are in flight. */
  readonly #keyAt = new Map<string, number>();
  #inFlight = 0;
  #state: BusState;

  constructor(state: BusState) {
    this.#state = state;
  }

  /** True while the bus is up: L1 may serve and be filled. */
  get trusted(): boolean {
    return this.#state === 'up';
  }

  /** A bus state change: every read in flight may have missed a message. */
  setState(state: BusState): void {
    this.#state = state;
    this.#allAt = ++this.#clock;
  }

  /** Keys were (or are about to be) changed. */
  keys(keys: Iterable<string>): void {
    const t = ++this.#clock;
    if (this.#inFlight === 0) return;
    for (const k of keys) this.#keyAt.set(k, t);
  }

  key(key: string): void {
    const t = ++this.#clock;
    if (this.#inFlight > 0) this.#keyAt.set(key, t);
  }

  /** Every key may have changed (a pattern, "all"). */
  all(): void {
    this.#allAt = ++this.#clock;
  }

  /** Before an L2 read that may fill L1; pair with `done`. */
  ticket(): number {
    this.#inFlight++;
    return this.#clock;
  }

  /** After the read; `mayFill` must be asked before this. */
  done(): void {
    if (--this.#inFlight === 0) this.#keyAt.clear();
  }

  mayFill(key: string, ticket: number): boolean {
    return this.#state === 'up' && this.#allAt <= ticket && (this.#keyAt.get(key) ?? 0) <= ticket;
  }
}
