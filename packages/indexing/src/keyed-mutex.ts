/**
 * In-process mutual exclusion per name. `run` takes every name it needs at once, in sorted order,
 * so two callers can never wait for each other in a cycle.
 */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();

  /** Names currently held or awaited (for tests: the map must drain). */
  get size(): number {
    return this.#tails.size;
  }

  async run<R>(names: readonly string[], fn: () => Promise<R>): Promise<R> {
    const sorted = names.length === 1 ? names : [...new Set(names)].sort();
    const releases: (() => void)[] = [];
    try {
      for (const n of sorted) releases.push(await this.#acquire(n));
      return await fn();
    } finally {
      for (const r of releases) r();
    }
  }

  async #acquire(name: string): Promise<() => void> {
    const prev = this.#tails.get(name);
    let release!: () => void;
    const mine = new Promise<void>((r) => {
      release = r;
    });
    const tail = prev === undefined ? mine : prev.then(() => mine);
    this.#tails.set(name, tail);
    if (prev !== undefined) await prev;
    return () => {
      release();
      if (this.#tails.get(name) === tail) this.#tails.delete(name);
    };
  }
}
