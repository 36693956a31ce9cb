import type { CacheCore } from './cache-core.js';
import type { Call, Updater } from './call.js';
import type { CacheError } from './errors.js';
import { isCacheError } from './errors.js';
import { KeyedQueue } from './keyed-queue.js';
import { checkValue } from './validate.js';

/** The first pause after a lost compare-and-set, in ms; it doubles per attempt up to `MAX_BACKOFF_MS`. */
const FIRST_BACKOFF_MS = 1;
const MAX_BACKOFF_MS = 64;

/**
 * `update`: an atomic read-modify-write. Same-key updates in this process take turns (a keyed
 * queue), so only other processes make a compare-and-set lose; after a loss core waits a random,
 * growing pause (full jitter) before it reads again, so writers in several processes do not stay
 * in lock-step and a distributed provider need not invent its own backoff.
 */
export class Updates<T> {
  readonly #k: CacheCore<T>;
  readonly #turns = new KeyedQueue();

  constructor(core: CacheCore<T>) {
    this.#k = core;
  }

  step = (c: Call): Promise<T> => this.#turns.run(c.key!, () => this.#loop(c));

  async #loop(c: Call): Promise<T> {
    const k = this.#k;
    const key = c.key!;
    const retries = k.c.updateRetries;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await pause(attempt);
      if (k.closed) throw k.closedError('update');
      if (c.signal?.aborted)
        throw k.err('ABORTED', 'update', 'the signal aborted; nothing was written', key, c.signal.reason);
      const cur = await k.via('update', key, () => k.store.getVersioned(key));
      // A stale grace record is no entry to the updater; the write still replaces it by version.
      const live = cur === undefined ? undefined : k.live(cur.value);
      const ran = this.#runUpdater(c, k.out(live), live !== undefined);
      const next = ran instanceof Promise ? await ran : ran;
      if (k.flights.size > 0) k.flights.invalidate(key);
      const ok = await k.via('update', key, () =>
        k.store.compareAndSet(key, cur === undefined ? null : cur.version, k.in(next), c.ttlMs),
      );
      if (ok) return next;
    }
    throw k.err(
      'CONFLICT',
      'update',
      `the entry kept changing under concurrent writers; gave up after ${retries + 1} attempts (nothing was written) — retry, or raise updateRetries`,
      key,
    );
  }

  /** The updater's checked result; synchronous for a synchronous updater (no extra tick). */
  #runUpdater(c: Call, old: T | undefined, exists: boolean): T | Promise<T> {
    let out: T | PromiseLike<T>;
    try {
      out = (c.updater as Updater<T>)(old, exists);
    } catch (cause) {
      throw this.#failed(c.key!, cause);
    }
    if (!isPromiseLike(out)) {
      checkValue(out, this.#k.name, 'update', c.key!);
      return out;
    }
    return this.#awaitUpdater(c, out);
  }

  #failed(key: string, cause: unknown): CacheError {
    const k = this.#k;
    if (isCacheError(cause, 'TIMEOUT') && cause.cacheName === k.name && cause.op === 'update') return cause;
    return k.err('UPDATER_FAILED', 'update', 'the updater threw; nothing was written (see cause)', key, cause);
  }

  async #awaitUpdater(c: Call, pending: PromiseLike<T>): Promise<T> {
    const k = this.#k;
    const key = c.key!;
    let timer: NodeJS.Timeout | undefined;
    let next: T;
    try {
      const run = Promise.resolve(pending);
      if (c.timeoutMs === undefined) next = await run;
      else {
        const ms = c.timeoutMs;
        next = await Promise.race([
          run,
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () =>
                reject(
                  k.err('TIMEOUT', 'update', `the updater did not settle within ${ms} ms; nothing was written`, key),
                ),
              ms,
            );
            timer.unref?.();
          }),
        ]);
      }
    } catch (cause) {
      throw this.#failed(key, cause);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
    checkValue(next, k.name, 'update', key);
    return next;
  }
}

/** Full jitter: a random pause up to an exponentially growing cap. */
function pause(attempt: number): Promise<void> {
  const cap = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (attempt - 1));
  return new Promise((r) => setTimeout(r, Math.random() * cap));
}

function isPromiseLike<V>(v: V | PromiseLike<V>): v is PromiseLike<V> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}
