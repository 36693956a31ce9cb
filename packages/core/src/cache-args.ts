import { type CacheCore, optionsOf } from './cache-core.js';
import type { Call, Loader, Updater } from './call.js';
import type { CacheOp } from './middleware.js';
import type { Duration, GetOrSetOptions, OpOptions, SetOptions } from './types.js';
import { checkValue, describe } from './validate.js';

/**
 * Argument normalisation: each operation's arguments checked (throwing the `CacheError` the
 * caller rejects with, before any I/O) and turned into its `Call`. Key, index and pattern rules
 * live in `KeyRules`, `IndexOps` and `PatternOps`; this is where they are applied per operation.
 */
export class CacheArgs<T> {
  readonly #k: CacheCore<T>;
  /** Keys up to this many UTF-16 units need no byte count (the common case costs three compares). */
  readonly #fastLen: number;

  constructor(core: CacheCore<T>) {
    this.#k = core;
    this.#fastLen = core.c.keys.fastLength;
  }

  /** True when `key` is certainly legal and the cache open (the common case costs three compares). */
  plain(key: string): boolean {
    return (
      typeof key === 'string' &&
      key.length !== 0 &&
      key.length <= this.#fastLen &&
      key.isWellFormed() &&
      !this.#k.closed
    );
  }

  /** A single-key operation: key, `CLOSED`, an aborted signal. */
  keyed(op: CacheOp, key: string, opts: OpOptions | undefined): Call {
    const k = this.#k;
    if (opts !== undefined || !this.plain(key)) {
      k.checkKey(key, op);
      k.precheck(op, opts?.signal);
    }
    const c = k.call(op, opts);
    c.key = key;
    return c;
  }

  /** A write: key, value, TTL, `CLOSED`, an aborted signal. */
  write(op: CacheOp, key: string, value: T, ttl: Duration | SetOptions | undefined): Call {
    const k = this.#k;
    const c = this.keyed(op, key, optionsOf(ttl));
    checkValue(value, k.name, op, key);
    c.value = value;
    c.ttlMs = ttl === undefined ? k.c.defaultTtlMs : k.ttl(ttl, op);
    return c;
  }

  touch(key: string, ttl: Duration | SetOptions | undefined): Call {
    const c = this.keyed('touch', key, optionsOf(ttl));
    c.ttlMs = this.#k.ttl(ttl, 'touch');
    return c;
  }

  /** `getMany` / `deleteMany`: an array of legal keys (`deleteMany` counts each key once). */
  keys(op: 'getMany' | 'deleteMany', keys: readonly string[], opts: OpOptions | undefined): Call {
    const k = this.#k;
    k.checkKeys(keys, op);
    k.precheck(op, opts?.signal);
    const c = k.call(op, opts);
    c.keys = op === 'deleteMany' ? [...new Set(keys)] : [...keys];
    return c;
  }

  /** An operation with no key (`clear`). */
  unkeyed(op: CacheOp, opts: OpOptions | undefined): Call {
    this.#k.precheck(op, opts?.signal);
    return this.#k.call(op, opts);
  }

  setMany(items: Iterable<readonly [string, T]> | Record<string, T>, ttl: Duration | SetOptions | undefined): Call {
    const k = this.#k;
    const opts = optionsOf(ttl);
    const entries = this.#entries(items);
    for (const [key, v] of entries) {
      k.checkKey(key, 'setMany');
      checkValue(v, k.name, 'setMany', key);
    }
    const ttlMs = k.ttl(ttl, 'setMany');
    k.precheck('setMany', opts?.signal);
    const c = k.call('setMany', opts);
    c.entries = entries;
    c.keys = entries.map((e) => e[0]);
    c.ttlMs = ttlMs;
    return c;
  }

  /** `setMany`'s items as pairs; a repeated key keeps its last value at its first position, so stores never see a key twice. */
  #entries(items: Iterable<readonly [string, T]> | Record<string, T>): [string, T][] {
    const k = this.#k;
    if (items === null || typeof items !== 'object') {
      throw k.err(
        'INVALID_ARGUMENT',
        'setMany',
        `items must be an iterable of [key, value] pairs or a record, got ${describe(items)}`,
      );
    }
    if (!(Symbol.iterator in items)) return Object.entries(items);
    const pairs: [string, T][] = [];
    for (const e of items as Iterable<unknown>) {
      if (!Array.isArray(e) || e.length !== 2) {
        throw k.err('INVALID_ARGUMENT', 'setMany', `each item must be a [key, value] pair, got ${describe(e)}`);
      }
      pairs.push([e[0] as string, e[1] as T]);
    }
    if (pairs.length < 2) return pairs;
    const last = new Map<string, T>(pairs);
    return last.size === pairs.length ? pairs : [...last];
  }

  getOrSet(key: string, loader: Loader<T>, ttl: Duration | GetOrSetOptions | undefined): Call {
    const k = this.#k;
    const opts = optionsOf(ttl);
    const c = this.keyed('getOrSet', key, opts);
    if (typeof loader !== 'function') {
      throw k.err('INVALID_ARGUMENT', 'getOrSet', `loader must be a function, got ${describe(loader)}`, key);
    }
    c.userKey = key;
    c.loader = loader as Loader<unknown>;
    if (ttl === undefined) {
      c.ttlMs = k.c.defaultTtlMs;
      c.timeoutMs = k.c.loaderTimeoutMs;
      return c;
    }
    c.ttlMs = k.ttl(ttl, 'getOrSet');
    const o = opts as GetOrSetOptions | undefined;
    c.timeoutMs =
      o?.hardTimeout === undefined
        ? k.timeout(o?.timeout, k.c.loaderTimeoutMs, 'getOrSet', 'timeout')
        : k.timeout(o.hardTimeout, undefined, 'getOrSet', 'hardTimeout');
    if (o?.softTimeout !== undefined) c.softMs = k.timeout(o.softTimeout, undefined, 'getOrSet', 'softTimeout');
    if (o?.grace !== undefined) {
      const grace = k.duration(o.grace, { cacheName: k.name, op: 'getOrSet', what: 'grace' });
      if (k.derivedIndexes) {
        throw k.err(
          'INVALID_ARGUMENT',
          'getOrSet',
          'grace cannot be used on a cache with value-derived indexes (the store derives memberships from what it holds); drop grace or the derived indexes',
          key,
        );
      }
      // A value that never expires has no stale period.
      if (c.ttlMs !== Number.POSITIVE_INFINITY) {
        c.graceMs = grace;
        k.useGrace();
      }
    }
    return c;
  }

  update(key: string, updater: Updater<T>, ttl: Duration | SetOptions | undefined): Call {
    const k = this.#k;
    const opts = optionsOf(ttl);
    k.checkKey(key, 'update');
    if (typeof updater !== 'function') {
      throw k.err('INVALID_ARGUMENT', 'update', `updater must be a function, got ${describe(updater)}`, key);
    }
    const ttlMs = k.ttl(ttl, 'update');
    const timeoutMs = k.timeout(opts?.timeout, k.c.updaterTimeoutMs, 'update', 'timeout');
    const c = this.keyed('update', key, opts);
    c.ttlMs = ttlMs;
    c.timeoutMs = timeoutMs;
    c.updater = updater as Updater<unknown>;
    return c;
  }
}
