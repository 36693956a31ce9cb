import type { CacheCore } from './cache-core.js';
import type { Call, Loader } from './call.js';
import { isCacheError } from './errors.js';
import type { Flight } from './single-flight.js';
import type { MaybePromise } from './spi.js';
import { checkValue } from './validate.js';

/**
 * Reads of one key that are out at an asynchronous store, and the last flight of that key that
 * finished while any of them was out. A caller whose miss arrives after a flight of its key
 * started and ended (a fast load, or a fast failure) joins that flight instead of loading again:
 * callers that overlap share one loader call whatever the store's latency.
 */
interface PendingReads<T> {
  count: number;
  last: Flight<T> | undefined;
}

/** `getOrSet`: a hit from the store, else one load per key shared by every concurrent caller. */
export class GetOrSet<T> {
  readonly #k: CacheCore<T>;
  readonly #reads = new Map<string, PendingReads<T>>();
  /** Flights started so far; a flight's number tells whether it began after a given read. */
  #started = 0;
  readonly #seq = new WeakMap<Flight<T>, number>();

  constructor(core: CacheCore<T>) {
    this.#k = core;
  }

  /** The operation's step. */
  step = (c: Call): MaybePromise<T> => {
    const k = this.#k;
    const key = c.key!;
    const existing = k.flights.get(key);
    if (existing !== undefined) return this.#join(existing, c);
    let v: T | undefined | Promise<T | undefined>;
    try {
      v = k.store.get(key);
    } catch (e) {
      throw k.wrap(e, 'getOrSet', key);
    }
    if (!(v instanceof Promise)) return v !== undefined ? k.found(v) : this.#miss(c, undefined, 0);
    let pending = this.#reads.get(key);
    if (pending === undefined) {
      pending = { count: 0, last: undefined };
      this.#reads.set(key, pending);
    }
    pending.count++;
    const since = this.#started;
    const reads = pending;
    const done = () => {
      if (--reads.count === 0 && this.#reads.get(key) === reads) this.#reads.delete(key);
    };
    return v.then(
      (x) => {
        const missed = x === undefined ? this.#miss(c, reads, since) : k.found(x);
        done();
        return missed;
      },
      (e: unknown) => {
        done();
        throw k.wrap(e, 'getOrSet', key);
      },
    );
  };

  #miss(c: Call, reads: PendingReads<T> | undefined, since: number): Promise<T> {
    const k = this.#k;
    const key = c.key!;
    k.hit(false);
    if (c.signal?.aborted) {
      return Promise.reject(
        k.err('ABORTED', 'getOrSet', 'the caller aborted during its read; nothing was loaded', key, c.signal.reason),
      );
    }
    const current = k.flights.get(key);
    if (current !== undefined) return this.#join(current, c);
    const last = reads?.last;
    if (last !== undefined && this.#seq.get(last)! > since) return this.#join(last, c);
    const flight = k.flights.start(key);
    this.#seq.set(flight, ++this.#started);
    const waiting = this.#join(flight, c);
    void this.#fly(flight, c);
    return waiting;
  }

  #join(flight: Flight<T>, c: Call): Promise<T> {
    const k = this.#k;
    if (k.flights.isRecursive(flight)) {
      return Promise.reject(
        k.err(
          'INVALID_ARGUMENT',
          'getOrSet',
          'called for the same key from inside its own loader, which would wait for itself forever; load the value directly instead',
          flight.key,
        ),
      );
    }
    const joined = k.flights.join(flight, c.signal, () =>
      k.err('ABORTED', 'getOrSet', 'the caller aborted while waiting for the loader', flight.key),
    );
    return k.clone ? joined.then((v) => k.out(v)) : joined;
  }

  /** Run the load of `flight`: through the store's `loadThrough` where it has one, else get → load → set. */
  async #fly(flight: Flight<T>, c: Call): Promise<void> {
    const k = this.#k;
    const key = flight.key;
    const signal = flight.controller.signal;
    let timer: NodeJS.Timeout | undefined;
    if (c.timeoutMs !== undefined) {
      const ms = c.timeoutMs;
      timer = setTimeout(() => {
        k.flights.abandon(
          flight,
          k.err('TIMEOUT', 'getOrSet', `the loader did not settle within ${ms} ms; nothing was stored`, key),
        );
      }, ms);
      timer.unref?.();
    }
    const shouldStore = () => !flight.invalidated && !flight.abandoned && !k.closed;
    const load = async (): Promise<T> => {
      let v: T;
      try {
        v = (await k.flights.runLoader(flight, () => (c.loader as Loader<T>)({ key: c.userKey ?? key, signal }))) as T;
      } catch (cause) {
        if (flight.abandoned && signal.reason !== undefined && isCacheError(signal.reason)) throw signal.reason;
        throw k.err('LOADER_FAILED', 'getOrSet', 'the loader threw; nothing was cached (see cause)', key, cause);
      }
      checkValue(v, k.name, 'getOrSet', key);
      return v;
    };
    try {
      let value: T;
      const store = k.store;
      if (store.loadThrough !== undefined) {
        value = await k.via('getOrSet', key, () => store.loadThrough!(key, c.ttlMs, { signal, load, shouldStore }));
      } else {
        // Another flight may have stored the value since this caller read its miss.
        const again = await k.via('getOrSet', key, () => store.get(key));
        if (again !== undefined) value = again;
        else {
          value = await load();
          if (shouldStore()) await k.via('getOrSet', key, () => store.set(key, k.in(value), c.ttlMs));
        }
      }
      flight.resolve(value);
    } catch (e) {
      flight.reject(k.wrap(e, 'getOrSet', key));
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      k.flights.finish(flight);
      const reads = this.#reads.get(key);
      if (reads !== undefined) reads.last = flight;
    }
  }
}
