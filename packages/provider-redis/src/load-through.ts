import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CacheError, type LoadThroughContext } from '@gocache/core';
import type { KeyLayout } from './key-layout.js';
import type { ResolvedLock } from './options.js';
import { argv } from './protocol.js';
import type { RedisExecutor } from './redis-executor.js';
import { LOCK_EXTEND, LOCK_RELEASE } from './scripts.js';

/** What the lock protocol needs from its store. */
export interface LoadThroughDeps<T> {
  readonly name: string;
  readonly exec: RedisExecutor;
  readonly layout: KeyLayout;
  readonly lock: ResolvedLock;
  /** Aborts when the store closes. */
  readonly closing: AbortSignal;
  get(key: string): Promise<T | undefined>;
  set(key: string, value: T, ttlMs: number): Promise<void>;
  /** Write only while `token` holds the key's lock; false when the lease was lost (fencing). */
  fencedSet(key: string, value: T, ttlMs: number, token: string): Promise<boolean>;
}

/**
 * The miss path of `getOrSet` across processes. One process takes the key's lock
 * (`SET NX PX` with a random token) and loads; the others poll for its value with a growing delay
 * until it appears, the lock frees up (then one of them takes it) or `lock.wait` runs out (then
 * `lock.onTimeout` applies). The holder renews its lease while loading and writes its value with a
 * script that checks the token first, so a holder paused past its lease cannot overwrite the
 * result of the next one; it still returns its value to its own callers.
 */
export async function loadThrough<T>(
  d: LoadThroughDeps<T>,
  key: string,
  ttlMs: number,
  ctx: LoadThroughContext<T>,
): Promise<T> {
  if (!d.lock.enabled) return loadAndSet(d, key, ttlMs, ctx);
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
      return loadAndSet(d, key, ttlMs, ctx);
    }
    delay = Math.min(delay * 2, 100);
  }
}

async function loadAndSet<T>(
  d: LoadThroughDeps<T>,
  key: string,
  ttlMs: number,
  ctx: LoadThroughContext<T>,
): Promise<T> {
  const v = await ctx.load();
  if (ctx.shouldStore()) await d.set(key, v, ttlMs);
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
  try {
    // The previous holder may have stored the value between our miss and our lock.
    const stored = await d.get(key);
    if (stored !== undefined) return stored;
    const renew = setInterval(
      () => {
        lock.extend(key, token, d.lock.ttl).catch(() => {
          // A failed renewal is settled by fencing: the final write checks the token.
        });
      },
      Math.max(1, Math.floor(d.lock.ttl / 3)),
    );
    renew.unref();
    // A closed cache stops renewing: its lease then lapses even if the loader ignores the signal.
    const stop = () => clearInterval(renew);
    d.closing.addEventListener('abort', stop, { once: true });
    let v: T;
    try {
      v = await ctx.load();
    } finally {
      stop();
      d.closing.removeEventListener('abort', stop);
    }
    if (ctx.shouldStore()) await d.fencedSet(key, v, ttlMs, token);
    return v;
  } finally {
    await lock.release(key, token).catch(() => {
      // The lease expires on its own; a release that cannot reach Redis changes nothing.
    });
  }
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
    const token = randomBytes(12).toString('base64url');
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
