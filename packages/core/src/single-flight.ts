import { AsyncLocalStorage } from 'node:async_hooks';
import type { CacheError } from './errors.js';

/** One in-flight load of a key, shared by every concurrent caller. */
export interface Flight<T> {
  readonly key: string;
  readonly controller: AbortController;
  /** Settles with the loader's result for every waiter. */
  readonly promise: Promise<T>;
  /** A delete, clear or newer write raced the load: its result must not be stored. */
  invalidated: boolean;
  /** Every waiter left (aborted), it timed out, or the cache closed: the result must not be stored. */
  abandoned: boolean;
  waiters: number;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/**
 * In-process single-flight: at most one load per key at a time. Also detects a loader that
 * (directly or through other keys) waits for its own key, which would otherwise never settle.
 */
export class SingleFlight<T> {
  readonly #flights = new Map<string, Flight<T>>();
  // The flights whose loaders are running in the current async context.
  readonly #als = new AsyncLocalStorage<ReadonlySet<Flight<unknown>>>();

  get size(): number {
    return this.#flights.size;
  }

  get(key: string): Flight<T> | undefined {
    return this.#flights.get(key);
  }

  /** Register a new flight for `key`; the caller must then run it with `runLoader`. */
  start(key: string): Flight<T> {
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Waiters attach their own handlers; this one keeps an abandoned flight from being "unhandled".
    promise.catch(() => {});
    const flight: Flight<T> = {
      key,
      controller: new AbortController(),
      promise,
      invalidated: false,
      abandoned: false,
      waiters: 0,
      resolve,
      reject,
    };
    this.#flights.set(key, flight);
    return flight;
  }

  /** Remove `flight` from the registry (if it is still the current one for its key). */
  finish(flight: Flight<T>): void {
    if (this.#flights.get(flight.key) === flight) this.#flights.delete(flight.key);
  }

  /** True when the current async context is inside the loader of `flight` (a recursive wait). */
  isRecursive(flight: Flight<T>): boolean {
    return this.#als.getStore()?.has(flight as Flight<unknown>) === true;
  }

  /** Run `fn` (the loader) marked as inside `flight`, for recursion detection. */
  runLoader<R>(flight: Flight<T>, fn: () => R): R {
    const parent = this.#als.getStore();
    const chain = new Set(parent);
    chain.add(flight as Flight<unknown>);
    return this.#als.run(chain, fn);
  }

  /**
   * Wait for `flight` as one more waiter. When every waiter with a signal has aborted and no
   * waiter without one remains, the flight is abandoned and its loader's signal aborts.
   */
  join(flight: Flight<T>, signal: AbortSignal | undefined, abortError: () => CacheError): Promise<T> {
    flight.waiters++;
    if (signal === undefined) return flight.promise;
    if (signal.aborted) {
      // addEventListener on an already-aborted signal never fires: leave at once.
      if (--flight.waiters === 0) this.abandon(flight, abortError());
      return Promise.reject(abortError());
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        reject(abortError());
        if (--flight.waiters === 0) this.abandon(flight, abortError());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      flight.promise.then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  }

  /** Give up on `flight`: waiters get `error`, the loader's signal aborts, nothing will be stored. */
  abandon(flight: Flight<T>, error: CacheError): void {
    flight.abandoned = true;
    this.finish(flight);
    flight.reject(error);
    flight.controller.abort(error);
  }

  /** Mark the flight of `key` (if any) so its result is not stored. */
  invalidate(key: string): void {
    const f = this.#flights.get(key);
    if (f !== undefined) f.invalidated = true;
  }

  /** Mark every flight whose key passes `test` (all when omitted). */
  invalidateWhere(test?: (key: string) => boolean): void {
    for (const f of this.#flights.values()) if (test === undefined || test(f.key)) f.invalidated = true;
  }

  /** Abandon every flight (cache closing). */
  abandonAll(error: () => CacheError): void {
    for (const f of [...this.#flights.values()]) this.abandon(f, error());
  }
}
