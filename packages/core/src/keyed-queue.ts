/**
 * In-process turns per key: runs of one key go one at a time, in call order (first in, first
 * out); runs of different keys do not wait for each other. `runAll` takes several keys at once,
 * in sorted order, so two callers can never wait for each other in a cycle. An uncontended key
 * costs one map entry and no promise of its own. Used by `update` and by `@gocache/indexing`.
 */
export class KeyedQueue {
  /** Keys held, each with the resumers of the runs waiting for it. */
  readonly #held = new Map<string, (() => void)[]>();

  /** Keys currently held or awaited (a drained queue is 0). */
  get size(): number {
    return this.#held.size;
  }

  /** Run `fn` once `key` is free, holding it until `fn` settles. */
  async run<R>(key: string, fn: () => R | Promise<R>): Promise<R> {
    const wait = this.#acquire(key);
    if (wait !== undefined) await wait;
    try {
      return await fn();
    } finally {
      this.#release(key);
    }
  }

  /** Run `fn` holding every key of `keys` (duplicates allowed), taken in sorted order. */
  async runAll<R>(keys: readonly string[], fn: () => R | Promise<R>): Promise<R> {
    const sorted = keys.length === 1 ? keys : [...new Set(keys)].sort();
    let taken = 0;
    try {
      for (const k of sorted) {
        const wait = this.#acquire(k);
        taken++;
        if (wait !== undefined) await wait;
      }
      return await fn();
    } finally {
      for (let i = 0; i < taken; i++) this.#release(sorted[i]!);
    }
  }

  #acquire(key: string): Promise<void> | undefined {
    const waiting = this.#held.get(key);
    if (waiting === undefined) {
      this.#held.set(key, []);
      return undefined;
    }
    return new Promise<void>((resume) => waiting.push(resume));
  }

  /** Hand `key` to its next waiter (which then holds it), or free it. */
  #release(key: string): void {
    const waiting = this.#held.get(key);
    const next = waiting?.shift();
    if (next === undefined) this.#held.delete(key);
    else next();
  }
}
