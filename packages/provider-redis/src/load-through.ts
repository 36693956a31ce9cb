import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CacheError, type LoadThroughContext } from '@gocache/core';
import type { Flights } from './flights.js';
import type { KeyLayout } from './key-layout.js';
import type { ResolvedLock } from './options.js';
import { argv } from './protocol.js';
import type { RedisExecutor } from './redis-executor.js';
import { LOCK_EXTEND, LOCK_RELEASE, MARK_BEGIN, MARK_EXTEND } from './scripts.js';

/** What the load protocol needs from its store. */
export interface LoadThroughDeps<T> {
  readonly name: string;
  readonly exec: RedisExecutor;
  readonly layout: KeyLayout;
  readonly lock: ResolvedLock;
  readonly flights: Flights;
  /** Aborts when the store closes. */
  readonly closing: AbortSignal;
  get(key: string): Promise<T | undefined>;
  /** Write only while `token` holds the key's lock; false when the lease was lost or a removal took it (fencing). */
  fencedSet(key: string, value: T, ttlMs: number, token: string): Promise<boolean>;
  /** Write only while `token` is among the key's load markers (consumed); false once a removal took it. */
  markedSet(key: string, value: T, ttlMs: number, token: string): Promise<boolean>;
}

/**
 * The miss path of `getOrSet` across processes. One process takes the key's lock
 * (`SET NX PX` with a random token) and loads; the others poll for its value with a growing delay
 * until it appears, the lock frees up (then one of them takes it) or `lock.wait` runs out (then
 * `lock.onTimeout` applies). The holder renews its lease while loading and writes its value with a
 * script that checks the token first, so a holder paused past its lease cannot overwrite the
 * result of the next one; it still returns its value to its own callers.
 *
 * **No resurrection across processes**: every removal of the key in any process deletes its lock
 * and its load markers (in the same script as the entry; `deleteByIndex`/`deleteByPattern` through
 * the registry of loads in flight, `clear` with the namespace). The holder's fenced write then
 * fails, and so does the write of a load without the lock (`lock: false`, or after `lock.wait` ran
 * out), which is conditional on its marker. The late value still reaches this process's callers.
 * No connection is held while the loader runs: every step is a single command.
 */
export async function loadThrough<T>(
  d: LoadThroughDeps<T>,
  key: string,
  ttlMs: number,
  ctx: LoadThroughContext<T>,
): Promise<T> {
  if (!d.lock.enabled) return loadMarked(d, key, ttlMs, ctx);
  const lock = new LockClient(d.exec, d.layout, d.name);
  const deadline = Date.now() + d.lock.wait;
  let delay = 5;
  for (;;) {
    const token = await lock.acquire(key, d.lock.ttl);
    if (token !== undefined) return loadHolding(d, lock, key, ttlMs, ctx, token);
    const signal = AbortSignal.any([ctx.signal, d.closing]);
    try {
      await sleep(Math.min(delay, Math.max(1, deadline - Date.now())) * (0.75 + Math.random() / 2), undefined, {
        signal,
        ref: false,
      });
    } catch {
      throw new CacheError('ABORTED', 'stopped waiting for another process to load the key', {
        cacheName: d.name,
        op: 'getOrSet',
        key,
        cause: signal.reason,
      });
    }
    const v = await d.get(key);
    if (v !== undefined) return v;
    if (Date.now() >= deadline) {
      if (d.lock.onTimeout === 'throw') {
        throw new CacheError(
          'LOCK_TIMEOUT',
          `another process held the load lock for longer than lock.wait (${d.lock.wait} ms); raise lock.wait or use lock.onTimeout: 'load'`,
          { cacheName: d.name, op: 'getOrSet', key },
        );
      }
      return loadMarked(d, key, ttlMs, ctx);
    }
    delay = Math.min(delay * 2, 100);
  }
}

/** Run the loader while `renew` runs every third of the lease (stopped when the store closes). */
async function loadRenewing<T>(d: LoadThroughDeps<T>, ctx: LoadThroughContext<T>, renew: () => void): Promise<T> {
  const timer = setInterval(renew, Math.max(1, Math.floor(d.lock.ttl / 3)));
  timer.unref();
  // A closed cache stops renewing: its lease then lapses even if the loader ignores the signal.
  const stop = () => clearInterval(timer);
  d.closing.addEventListener('abort', stop, { once: true });
  try {
    return await ctx.load();
  } finally {
    stop();
    d.closing.removeEventListener('abort', stop);
  }
}

/** Failed renewals and clean-ups are settled by the store step (fenced or marked) and by leases. */
const ignore = () => {};

/** A load without the lock: its store step is conditional on its marker, which removals delete. */
async function loadMarked<T>(
  d: LoadThroughDeps<T>,
  key: string,
  ttlMs: number,
  ctx: LoadThroughContext<T>,
): Promise<T> {
  const markers = new MarkerClient(d.exec, d.layout, d.name);
  const site = { cacheName: d.name, op: 'getOrSet', key };
  const token = newToken();
  const lease = d.lock.ttl;
  // Registered and marked before the loader starts; the re-check rides along.
  const [stored] = await Promise.all([
    d.get(key),
    markers.begin(key, token, lease),
    d.flights.register(site, key, token, lease),
  ]);
  const done = () =>
    Promise.all([markers.end(key, token), d.flights.unregister(site, key, token)]).then(ignore, ignore);
  if (stored !== undefined) {
    await done();
    return stored;
  }
  let v: T;
  try {
    v = await loadRenewing(d, ctx, () => {
      markers.extend(key, token, lease).catch(ignore);
      d.flights.register(site, key, token, lease).catch(ignore);
    });
  } catch (e) {
    await done();
    throw e;
  }
  try {
    if (ctx.shouldStore()) await d.markedSet(key, v, ttlMs, token);
  } finally {
    await done();
  }
  return v;
}

async function loadHolding<T>(
  d: LoadThroughDeps<T>,
  lock: LockClient,
  key: string,
  ttlMs: number,
  ctx: LoadThroughContext<T>,
  token: string,
): Promise<T> {
  const site = { cacheName: d.name, op: 'getOrSet', key };
  try {
    // The previous holder may have stored the value between our miss and our lock; registered
    // before the loader starts (see Flights).
    const [stored] = await Promise.all([d.get(key), d.flights.register(site, key, token, d.lock.ttl)]);
    if (stored !== undefined) return stored;
    const v = await loadRenewing(d, ctx, () => {
      lock.extend(key, token, d.lock.ttl).catch(ignore);
      d.flights.register(site, key, token, d.lock.ttl).catch(ignore);
    });
    if (ctx.shouldStore()) await d.fencedSet(key, v, ttlMs, token);
    return v;
  } finally {
    // The lease expires on its own; a release that cannot reach Redis changes nothing.
    await Promise.all([lock.release(key, token), d.flights.unregister(site, key, token)]).then(ignore, ignore);
  }
}

/** The load markers of a key (`P:N:m:{key}`, the entry's hash slot): tokens of loads without the lock. */
class MarkerClient {
  readonly #exec: RedisExecutor;
  readonly #layout: KeyLayout;
  readonly #name: string;

  constructor(exec: RedisExecutor, layout: KeyLayout, cacheName: string) {
    this.#exec = exec;
    this.#layout = layout;
    this.#name = cacheName;
  }

  async begin(key: string, token: string, leaseMs: number): Promise<void> {
    const m = this.#layout.marker(key);
    await this.#exec.eval(this.#site(key), MARK_BEGIN, [m], argv('markBegin', { token, ttl: String(leaseMs) }));
  }

  /** True while the token is still there (no removal took it). */
  async extend(key: string, token: string, leaseMs: number): Promise<boolean> {
    const m = this.#layout.marker(key);
    const args = argv('markExtend', { token, ttl: String(leaseMs) });
    return (await this.#exec.eval(this.#site(key), MARK_EXTEND, [m], args)) === 1;
  }

  /** Drop the token (a load that ends without storing). */
  async end(key: string, token: string): Promise<void> {
    const m = this.#layout.marker(key);
    await this.#exec.eval(this.#site(key), MARK_EXTEND, [m], argv('markExtend', { token, ttl: '1', end: '1' }));
  }

  #site(key: string) {
    return { cacheName: this.#name, op: 'getOrSet', key };
  }
}

function newToken(): string {
  return randomBytes(12).toString('base64url');
}

/** Owner-checked lock commands on `P:N:l:{key}` (the entry's hash slot). */
export class LockClient {
  readonly #exec: RedisExecutor;
  readonly #layout: KeyLayout;
  readonly #name: string;

  constructor(exec: RedisExecutor, layout: KeyLayout, cacheName: string) {
    this.#exec = exec;
    this.#layout = layout;
    this.#name = cacheName;
  }

  /** A fresh token when the lock was free, else `undefined`. */
  async acquire(key: string, ttlMs: number): Promise<string | undefined> {
    const token = newToken();
    const l = this.#layout.lock(key);
    const r = await this.#exec.send(this.#site(key), l, ['SET', l, token, 'NX', 'PX', String(Math.ceil(ttlMs))]);
    return r === null ? undefined : token;
  }

  /** True while `token` still holds the lock. */
  async extend(key: string, token: string, ttlMs: number): Promise<boolean> {
    const l = this.#layout.lock(key);
    return (
      (await this.#exec.eval(
        this.#site(key),
        LOCK_EXTEND,
        [l],
        argv('lockExtend', { token, ttl: String(Math.ceil(ttlMs)) }),
      )) === 1
    );
  }

  /** True when `token` held the lock and it is now released. */
  async release(key: string, token: string): Promise<boolean> {
    const l = this.#layout.lock(key);
    return (await this.#exec.eval(this.#site(key), LOCK_RELEASE, [l], argv('lockRelease', { token }))) === 1;
  }

  #site(key: string) {
    return { cacheName: this.#name, op: 'getOrSet', key };
  }
}
