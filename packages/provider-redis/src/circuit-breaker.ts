/** Settings of the circuit breaker. */
export interface CircuitBreakerOptions {
  /**
   * Consecutive failures (connection errors, timeouts) that open the circuit.
   * @default 5
   */
  failureThreshold?: number | undefined;
  /**
   * How long the circuit stays open before one probe call is let through (half-open), in ms.
   * @default 1000
   */
  resetTimeout?: number | undefined;
}

/** `closed`: calls flow. `open`: calls fail fast. `half-open`: one probe decides. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * A consecutive-failure circuit breaker with an injectable clock. It has no timers: the open →
 * half-open transition happens on the first call after `resetTimeout`, so an idle breaker keeps
 * nothing alive.
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #resetMs: number;
  readonly #now: () => number;
  #state: CircuitState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #probing = false;

  constructor(options: CircuitBreakerOptions = {}, now: () => number = Date.now) {
    this.#threshold = options.failureThreshold ?? 5;
    this.#resetMs = options.resetTimeout ?? 1000;
    this.#now = now;
  }

  get state(): CircuitState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.#resetMs) return 'half-open';
    return this.#state;
  }

  /**
   * May a call go out now? In half-open state exactly one caller gets `true` (the probe) until it
   * reports back.
   */
  tryAcquire(): boolean {
    const s = this.state;
    if (s === 'closed') return true;
    if (s === 'open') return false;
    if (this.#probing) return false;
    this.#state = 'half-open';
    this.#probing = true;
    return true;
  }

  /** The call reached Redis and got an answer (even an error reply). */
  onSuccess(): void {
    this.#failures = 0;
    this.#probing = false;
    this.#state = 'closed';
  }

  /** The call failed for lack of Redis (connection down, timeout). */
  onFailure(): void {
    this.#probing = false;
    if (this.#state === 'half-open') {
      this.#open();
      return;
    }
    this.#failures++;
    if (this.#state === 'closed' && this.#failures >= this.#threshold) this.#open();
  }

  /** Milliseconds until the next probe is allowed (0 unless open). */
  retryInMs(): number {
    if (this.#state !== 'open') return 0;
    return Math.max(0, this.#resetMs - (this.#now() - this.#openedAt));
  }

  #open(): void {
    this.#state = 'open';
    this.#openedAt = this.#now();
    this.#failures = 0;
  }
}
