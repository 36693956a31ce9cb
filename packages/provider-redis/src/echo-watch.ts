/**
 * The watchdog on a bus's own subscription: every publish must come back through it within
 * `timeoutMs`, else the subscription is taken as lost (`onLost`). One timer for all publishes in
 * flight, not one per message: a publish records its number and deadline, an echo clears every
 * publish numbered up to its own (any echo proves the subscription alive), and the timer, when it
 * fires, either finds the oldest still waiting past its deadline or sleeps until that deadline.
 */
export class EchoWatch {
  readonly #timeoutMs: number;
  readonly #onLost: () => void;
  /** Publishes not yet echoed, oldest first, as pairs: number, deadline (epoch ms). */
  #q: number[] = [];
  /** Where the oldest pair starts in `#q` (pairs before it are done). */
  #head = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(timeoutMs: number, onLost: () => void) {
    this.#timeoutMs = timeoutMs;
    this.#onLost = onLost;
  }

  /** Publish number `i` (numbers grow in the order sent) was just sent. */
  watch(i: number): void {
    this.#q.push(i, Date.now() + this.#timeoutMs);
    if (this.#timer === undefined) this.#arm(this.#timeoutMs);
  }

  /** Our message number `i` came back. */
  echoed(i: number): void {
    const q = this.#q;
    let h = this.#head;
    while (h < q.length && q[h]! <= i) h += 2;
    if (h >= q.length) {
      q.length = 0;
      h = 0;
    } else if (h >= 1024) {
      q.splice(0, h);
      h = 0;
    }
    this.#head = h;
  }

  /** Publish number `i` failed: nothing will come back for it. */
  unwatch(i: number): void {
    const q = this.#q;
    for (let at = this.#head; at < q.length; at += 2) {
      if (q[at] === i) {
        q.splice(at, 2);
        return;
      }
    }
  }

  /** Forget every publish in flight (the subscription is down or closed anyway). */
  reset(): void {
    this.#q = [];
    this.#head = 0;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Publishes still waiting for their echo. */
  get waiting(): number {
    return (this.#q.length - this.#head) / 2;
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(this.#check, ms);
    this.#timer.unref?.();
  }

  readonly #check = (): void => {
    this.#timer = undefined;
    if (this.#head >= this.#q.length) return;
    const wait = this.#q[this.#head + 1]! - Date.now();
    if (wait > 0) {
      this.#arm(wait);
      return;
    }
    this.reset();
    this.#onLost();
  };
}
