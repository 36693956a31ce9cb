/** How long a publish waits for another bus of this process to see its message (then it goes on). */
const LOCAL_DELIVERY_MS = 50;

/** Per origin, the last message number a bus received; and waits for a number to arrive. */
export class SeenLog {
  readonly #last = new Map<string, number>();
  readonly #waiters = new Set<() => void>();

  /** True once any message (a probe at least) came from `origin`: both buses share a server. */
  has(origin: string): boolean {
    return this.#last.has(origin);
  }

  record(origin: string, i: number): void {
    if (i > (this.#last.get(origin) ?? 0)) this.#last.set(origin, i);
  }

  /** Resolves once message `i` of `origin` arrived, `live()` turned false, or 50 ms passed. */
  waitFor(origin: string, i: number, live: () => boolean): Promise<void> {
    if ((this.#last.get(origin) ?? 0) >= i) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if ((this.#last.get(origin) ?? 0) < i && live()) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        resolve();
      }, LOCAL_DELIVERY_MS);
      timer.unref?.();
      this.#waiters.add(check);
    });
  }

  /** Something arrived or the bus went down: let the waits check again. */
  wake(): void {
    for (const w of [...this.#waiters]) w();
  }
}
