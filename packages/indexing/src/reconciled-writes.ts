import {
  type Cache,
  type DerivedIndexes,
  type Duration,
  isCacheError,
  KeyedQueue,
  type LoaderContext,
  type OperationWrappers,
  type SetOptions,
} from '@gocache/core';
import type { IndexPlan } from './index-plan.js';
import { type LimitReader, limitLocks, limitVictims, OWN_ERRORS } from './limits.js';
import { reconcile } from './membership-sync.js';

/** The in-process lock name of a cache key (index-key locks use another prefix). */
export const keyLock = (key: string): string => `\u0000${key}`;

type Updater<T> = (old: T | undefined, exists: boolean) => T | Promise<T>;

function unwrapOwn(e: unknown): unknown {
  if (
    (isCacheError(e, 'LOADER_FAILED') || isCacheError(e, 'UPDATER_FAILED')) &&
    isCacheError(e.cause) &&
    OWN_ERRORS.has(e.cause)
  ) {
    return e.cause;
  }
  return e;
}

/**
 * The write path for a store that cannot keep memberships in the same atomic step as the value
 * (no `Store.deriveIndexes`): each write of a covered key runs under the key's in-process lock
 * (and the locks of the limited index keys it joins), asks the index owner about full limited
 * sets before writing (the same `overLimit` decision the atomic stores apply), writes, brings
 * memberships in step, then removes the entries the decision gave up. If memberships cannot be
 * brought in step, the entry is deleted (fail closed: an entry missing from its index would
 * survive "delete all of X"). Installed by `withIndexes` as wrappers of the cache's writes.
 */
export class ReconciledWrites<T> {
  /** In-process per-key (and per-limited-index-key) serialisation. */
  readonly mutex = new KeyedQueue();
  readonly #cache: Cache<T>;
  readonly #plan: IndexPlan<T>;
  readonly #derived: DerivedIndexes;
  readonly #rounds: number;
  readonly #reader: LimitReader;

  constructor(cache: Cache<T>, plan: IndexPlan<T>, derived: DerivedIndexes, rounds: number) {
    this.#cache = cache;
    this.#plan = plan;
    this.#derived = derived;
    this.#rounds = rounds;
    this.#reader = {
      members: (name, ik) => cache.getByIndex(name, ik),
      createdAt: async (keys) => (await Promise.all(keys.map((k) => cache.getMetadata(k)))).map((m) => m?.createdAt),
    };
  }

  /** The wrappers `extendCache` installs. */
  wrappers(): OperationWrappers<T> {
    return {
      set: (next) => (key, value, ttl) => this.#set(next, key, value, ttl),
      setIfNotExists: (next) => (key, value, ttl) => this.#conditional(next, 'setIfNotExists', key, value, ttl),
      setIfExists: (next) => (key, value, ttl) => this.#conditional(next, 'setIfExists', key, value, ttl),
      setMany: (next) => (items, ttl) => this.#setMany(next, items, ttl),
      update: (next) => (key, updater, ttl) => this.#update(next, key, updater, ttl),
      getOrSet: (next) => (key, loader, ttl) => this.#getOrSet(next, key, loader, ttl),
    };
  }

  /** Run one write of `key` (whose value derives `want`) under its locks, as described above. */
  async #write(key: string, want: string[], op: string, write: () => Promise<boolean>): Promise<boolean> {
    return this.mutex.runAll([keyLock(key), ...limitLocks(this.#derived, want)], async () => {
      const victims = await limitVictims(this.#derived, this.#reader, key, want);
      if (!(await write())) return false;
      await this.#after(key, want, op, victims);
      return true;
    });
  }

  async #after(key: string, want: string[] | undefined, op: string, victims: readonly string[]): Promise<void> {
    try {
      await reconcile(this.#cache, this.#plan, key, want, this.#rounds, op);
    } catch (e) {
      await this.#cache.delete(key).catch(() => {});
      throw e;
    }
    if (victims.length > 0) await this.#cache.deleteMany(victims);
  }

  #set(next: Cache<T>['set'], key: string, value: T, ttl: Duration | SetOptions | undefined): Promise<void> {
    if (value === undefined || !this.#plan.covers(key)) return next(key, value, ttl);
    let want: string[];
    try {
      want = this.#plan.derive(key, value, 'set');
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#write(key, want, 'set', async () => {
      await next(key, value, ttl);
      return true;
    }).then(() => {});
  }

  #conditional(
    next: Cache<T>['setIfExists'],
    op: 'setIfNotExists' | 'setIfExists',
    key: string,
    value: T,
    ttl: Duration | SetOptions | undefined,
  ): Promise<boolean> {
    if (value === undefined || !this.#plan.covers(key)) return next(key, value, ttl);
    let want: string[];
    try {
      want = this.#plan.derive(key, value, op);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#write(key, want, op, () => next(key, value, ttl));
  }

  async #setMany(
    next: Cache<T>['setMany'],
    items: Iterable<readonly [string, T]> | Record<string, T>,
    ttl: Duration | SetOptions | undefined,
  ): Promise<void> {
    if (items === null || typeof items !== 'object') return next(items, ttl);
    const entries: (readonly [string, T])[] =
      Symbol.iterator in items ? [...(items as Iterable<readonly [string, T]>)] : Object.entries(items);
    const wants = new Map<string, string[]>();
    for (const e of entries) {
      // Malformed input: let core refuse it with its usual error.
      if (!Array.isArray(e) || typeof e[0] !== 'string' || e[1] === undefined) return next(entries, ttl);
      if (this.#plan.covers(e[0])) wants.set(e[0], this.#plan.derive(e[0], e[1], 'setMany'));
    }
    const locks: string[] = [];
    for (const [k, w] of wants) locks.push(keyLock(k), ...limitLocks(this.#derived, w));
    await this.mutex.runAll(locks, async () => {
      // Decided as if the batch were written in order: a key joins a set after the earlier ones.
      const joining = new Map<string, string[]>();
      const victims: string[] = [];
      for (const [k, w] of wants) {
        victims.push(...(await limitVictims(this.#derived, this.#reader, k, w, joining)));
        for (let i = 0; i + 1 < w.length; i += 2) {
          const id = `${w[i]}\u0000${w[i + 1]}`;
          const list = joining.get(id);
          if (list === undefined) joining.set(id, [k]);
          else list.push(k);
        }
      }
      await next(entries, ttl);
      await Promise.all([...wants].map(([k, w]) => this.#after(k, w, 'setMany', [])));
      if (victims.length > 0) await this.#cache.deleteMany(victims);
    });
  }

  async #update(
    next: Cache<T>['update'],
    key: string,
    updater: Updater<T>,
    ttl: Duration | SetOptions | undefined,
  ): Promise<T> {
    if (typeof updater !== 'function' || !this.#plan.covers(key)) return next(key, updater, ttl);
    return this.mutex.runAll([keyLock(key)], async () => {
      let victims: readonly string[] = [];
      let value: T;
      try {
        value = await next(
          key,
          async (old, exists) => {
            const n = await updater(old, exists);
            // The decision of the run whose value is stored (an updater may run again after a conflict).
            if (n !== undefined) victims = await this.#admit(key, n, 'update');
            return n;
          },
          ttl,
        );
      } catch (e) {
        throw unwrapOwn(e);
      }
      await this.#after(key, this.#plan.derive(key, value, 'update'), 'update', victims);
      return value;
    });
  }

  async #getOrSet(
    next: Cache<T>['getOrSet'],
    key: string,
    loader: (ctx: LoaderContext) => T | Promise<T>,
    ttl: Duration | SetOptions | undefined,
  ): Promise<T> {
    if (typeof loader !== 'function' || !this.#plan.covers(key)) return next(key, loader, ttl);
    let victims: readonly string[] | undefined;
    let value: T;
    try {
      value = await next(
        key,
        async (ctx) => {
          const v = await loader(ctx);
          victims = v === undefined ? [] : await this.#admit(key, v, 'getOrSet');
          return v;
        },
        ttl,
      );
    } catch (e) {
      throw unwrapOwn(e);
    }
    // Only the caller whose loader ran stored anything; it re-reads, as the load may not have been stored.
    const gone = victims;
    if (gone !== undefined)
      await this.mutex.runAll([keyLock(key)], () => this.#after(key, undefined, 'getOrSet', gone));
    return value;
  }

  /**
   * Inside a user's updater/loader: derive and ask about full limited sets (not under their locks:
   * best effort against concurrent writes of other keys), marking our errors so they come out
   * unwrapped. Returns the entries to remove once the value is stored.
   */
  async #admit(key: string, value: T, op: string): Promise<readonly string[]> {
    try {
      return await limitVictims(this.#derived, this.#reader, key, this.#plan.derive(key, value, op));
    } catch (e) {
      if (isCacheError(e)) OWN_ERRORS.add(e);
      throw e;
    }
  }
}
