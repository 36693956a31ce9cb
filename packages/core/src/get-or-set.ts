import { randomUUID } from 'node:crypto';
import type { CacheCore } from './cache-core.js';
import type { Call, Loader } from './call.js';
import { isCacheError } from './errors.js';
import { type GraceRecord, graceRecord, isGraceRecord, STALE_AT } from './grace.js';
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

/** How long a refresh may hold its claim when neither `hardTimeout` nor `loaderTimeout` bounds the loader. */
const REFRESH_LEASE_MS = 30_000;

/** `getOrSet`: a hit from the store, else one load per key shared by every concurrent caller. */
export class GetOrSet<T> {
  readonly #k: CacheCore<T>;
  readonly #reads = new Map<string, PendingReads<T>>();
  /** Flights started so far; a flight's number tells whether it began after a given read. */
  #started = 0;
  readonly #seq = new WeakMap<Flight<T>, number>();
  /** Flights that refresh a stale value (callers are served the stale value instead of waiting). */
  readonly #refreshes = new WeakSet<Flight<T>>();

  constructor(core: CacheCore<T>) {
    this.#k = core;
  }

  /**
   * A hit the store answered synchronously (a plain value, or a fresh grace record), or
   * `undefined` when the caller must take the step (a miss, or a stale record: the step reads
   * again, which a synchronous store answers cheaply).
   */
  /** False once the store answered a read through a promise: `syncHit` is then not tried. */
  syncStore = true;

  syncHit(key: string): T | undefined {
    const k = this.#k;
    let v: T | undefined | Promise<T | undefined>;
    try {
      v = k.store.get(key);
    } catch (e) {
      throw k.wrap(e, 'getOrSet', key);
    }
    if (v instanceof Promise) {
      // An asynchronous store: from now on the step reads (this read is dropped, once per cache).
      this.syncStore = false;
      v.catch(() => {});
      return undefined;
    }
    if (v === undefined) return undefined;
    if (k.checkReads && isGraceRecord(v)) return undefined;
    return k.found(v);
  }

  /** The operation's step. */
  step = (c: Call): MaybePromise<T> => {
    const k = this.#k;
    const key = c.key!;
    const existing = k.flights.get(key);
    // A refresh of a stale value is not a load to wait for: its callers are served the stale value.
    if (existing !== undefined && !this.#refreshes.has(existing)) return this.#join(existing, c);
    let v: T | undefined | Promise<T | undefined>;
    try {
      v = k.store.get(key);
    } catch (e) {
      throw k.wrap(e, 'getOrSet', key);
    }
    if (!(v instanceof Promise)) return v !== undefined ? this.#hit(c, v, undefined, 0) : this.#miss(c, undefined, 0);
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
        const missed = x === undefined ? this.#miss(c, reads, since) : this.#hit(c, x, reads, since);
        done();
        return missed;
      },
      (e: unknown) => {
        done();
        throw k.wrap(e, 'getOrSet', key);
      },
    );
  };

  /** A value read from the store: a plain value or a fresh grace record is a hit; a stale one is served while it refreshes. */
  #hit(c: Call, raw: T, reads: PendingReads<T> | undefined, since: number): MaybePromise<T> {
    const k = this.#k;
    if (!k.checkReads || !isGraceRecord(raw)) return k.found(raw);
    k.graceSeen = true;
    if (k.c.now() < raw[STALE_AT]) return k.found(raw.v as T);
    if (raw.e <= k.c.now()) return this.#miss(c, reads, since);
    return this.#stale(c, raw as GraceRecord<T>);
  }

  /**
   * A stale grace record: its value at once (or the refreshed one, if it arrives within
   * `softTimeout`), and one refresh of the key started in the background if none runs.
   */
  #stale(c: Call, seen: GraceRecord<T>): Promise<T> {
    const k = this.#k;
    k.hit(true);
    let flight = k.flights.get(c.key!);
    if (flight === undefined) {
      flight = k.flights.start(c.key!);
      this.#refreshes.add(flight);
      void this.#refresh(flight, c, seen);
    }
    const stale = k.out(seen.v);
    const soft = c.softMs;
    if (soft === undefined || soft <= 0) return Promise.resolve(stale);
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      flight.promise.then(
        (v) => k.out(v),
        () => stale,
      ),
      new Promise<T>((resolve) => {
        timer = setTimeout(() => resolve(stale), soft);
        timer.unref?.();
      }),
    ]).finally(() => clearTimeout(timer));
  }

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
  /** Abandon `flight` with `TIMEOUT` after the call's loader timeout (`hardTimeout`), if it has one. */
  #deadline(flight: Flight<T>, c: Call): NodeJS.Timeout | undefined {
    if (c.timeoutMs === undefined) return undefined;
    const k = this.#k;
    const ms = c.timeoutMs;
    const timer = setTimeout(() => {
      k.flights.abandon(
        flight,
        k.err('TIMEOUT', 'getOrSet', `the loader did not settle within ${ms} ms; nothing was stored`, flight.key),
      );
    }, ms);
    timer.unref?.();
    return timer;
  }

  /** The user's loader for `flight`, with core's recursion marking, error wrapping and value check. */
  #loader(flight: Flight<T>, c: Call): () => Promise<T> {
    const k = this.#k;
    const key = flight.key;
    const signal = flight.controller.signal;
    return async () => {
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
  }

  /** What a load stores: the value, or a grace record of it (stored for `ttl + grace`). */
  #record(c: Call, value: T): { stored: T; ttlMs: number } {
    const grace = c.graceMs;
    if (grace === undefined) return { stored: this.#k.in(value), ttlMs: c.ttlMs };
    const now = this.#k.c.now();
    const rec = graceRecord(this.#k.in(value), now + c.ttlMs, now + c.ttlMs + grace);
    return { stored: rec as unknown as T, ttlMs: c.ttlMs + grace };
  }

  /** A value a load path got back from the store: a grace record's value, or the value. */
  #unwrap(v: T): T {
    return isGraceRecord(v) ? (v.v as T) : v;
  }

  async #fly(flight: Flight<T>, c: Call): Promise<void> {
    const k = this.#k;
    const key = flight.key;
    const signal = flight.controller.signal;
    const timer = this.#deadline(flight, c);
    const shouldStore = () => !flight.invalidated && !flight.abandoned && !k.closed;
    const load = this.#loader(flight, c);
    try {
      let value: T;
      const store = k.store;
      if (store.loadThrough !== undefined) {
        const ttlMs = c.graceMs === undefined ? c.ttlMs : c.ttlMs + c.graceMs;
        const got = await k.via('getOrSet', key, () =>
          store.loadThrough!(key, ttlMs, {
            signal,
            load: c.graceMs === undefined ? load : async () => this.#record(c, await load()).stored,
            shouldStore,
          }),
        );
        value = this.#unwrap(got);
      } else {
        // Another flight may have stored the value since this caller read its miss.
        const again = k.live(await k.via('getOrSet', key, () => store.get(key)));
        if (again !== undefined) value = again;
        else {
          value = await load();
          const { stored, ttlMs } = this.#record(c, value);
          if (shouldStore()) await k.via('getOrSet', key, () => store.set(key, stored, ttlMs));
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

  /**
   * Refresh a stale grace record once across processes: claim it (a compare-and-set that stamps
   * the record with this refresh and a lease), load, and replace the claimed version. A removal or
   * a newer write in any process makes the final compare-and-set fail, so nothing comes back. A
   * failing or slow loader keeps the stale value served (fail-safe) and is reported.
   */
  async #refresh(flight: Flight<T>, c: Call, seen: GraceRecord<T>): Promise<void> {
    const k = this.#k;
    const key = flight.key;
    const store = k.store;
    const timer = this.#deadline(flight, c);
    // A refresh that outlives hardTimeout is abandoned (its late value is not stored): report it.
    flight.promise.catch((e: unknown) => {
      if (isCacheError(e, 'TIMEOUT')) k.c.onBackgroundError?.(e);
    });
    let claimed: { version: unknown; rec: GraceRecord<T> } | undefined;
    try {
      const cur = await k.via('getOrSet', key, () => store.getVersioned(key));
      const now = k.c.now();
      const rec = cur?.value as GraceRecord<T> | undefined;
      // Gone, rewritten, refreshed, or another process's refresh holds the lease: nothing to do here.
      if (cur === undefined || !isGraceRecord(rec) || now < rec[STALE_AT] || (rec.r !== undefined && rec.r.t > now)) {
        flight.resolve(rec !== undefined && isGraceRecord(rec) && now < rec[STALE_AT] ? rec.v : seen.v);
        return;
      }
      const lease = c.timeoutMs ?? k.c.loaderTimeoutMs ?? REFRESH_LEASE_MS;
      const mine = graceRecord(rec.v, rec[STALE_AT], rec.e, { u: randomUUID(), t: now + lease });
      const left = rec.e - now;
      if (left <= 0 || !(await k.via('getOrSet', key, () => store.compareAndSet(key, cur.version, mine as T, left)))) {
        flight.resolve(seen.v);
        return;
      }
      const after = await k.via('getOrSet', key, () => store.getVersioned(key));
      const held = after?.value as GraceRecord<T> | undefined;
      if (after === undefined || !isGraceRecord(held) || held.r?.u !== mine.r!.u) {
        flight.resolve(seen.v);
        return;
      }
      claimed = { version: after.version, rec: held };
      const value = await this.#loader(flight, c)();
      const { stored, ttlMs } = this.#record(c, value);
      if (!flight.invalidated && !flight.abandoned && !k.closed) {
        const version = claimed.version;
        claimed = undefined;
        await k.via('getOrSet', key, () => store.compareAndSet(key, version, stored, ttlMs));
      }
      flight.resolve(value);
    } catch (e) {
      // Fail-safe: the stale value stays served until its grace ends; the failure is reported.
      if (!flight.abandoned) k.c.onBackgroundError?.(k.wrap(e, 'getOrSet', key));
      flight.resolve(seen.v);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      k.flights.finish(flight);
      if (claimed !== undefined) {
        // Give the lease back (a failed, timed-out or voided refresh) so the next stale read may try again.
        const { version, rec } = claimed;
        const left = rec.e - k.c.now();
        if (left > 0) {
          await Promise.resolve()
            .then(() => store.compareAndSet(key, version, graceRecord(rec.v, rec[STALE_AT], rec.e) as T, left))
            .catch(() => {});
        }
      }
    }
  }
}
