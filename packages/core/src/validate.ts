import { CacheError } from './errors.js';

/** Cache names: 1–128 of `A-Z a-z 0-9 _ - . :` (they become Redis prefixes and metric labels). */
export const CACHE_NAME = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Checks keys (and index names/keys) against a cache's limits; fast for the common short key. */
export class KeyRules {
  readonly #cacheName: string;
  readonly #maxBytes: number;
  // Up to this many UTF-16 units a key cannot exceed maxBytes in UTF-8 (3 bytes per unit at most).
  readonly #fastLen: number;

  /** Keys up to this many UTF-16 units need no byte count. */
  get fastLength(): number {
    return this.#fastLen;
  }

  constructor(cacheName: string, maxBytes: number) {
    this.#cacheName = cacheName;
    this.#maxBytes = maxBytes;
    this.#fastLen = Math.floor(maxBytes / 3);
  }

  /** Throw `INVALID_KEY` unless `key` is a legal key. */
  check(key: unknown, op: string, what = 'key'): asserts key is string {
    if (typeof key === 'string' && key.length > 0 && key.length <= this.#fastLen && key.isWellFormed()) return;
    this.#slow(key, op, what);
  }

  #slow(key: unknown, op: string, what: string): void {
    const site = { cacheName: this.#cacheName, op };
    if (typeof key !== 'string') {
      throw new CacheError('INVALID_KEY', `${what} must be a string, got ${describe(key)}`, site);
    }
    if (key.length === 0) throw new CacheError('INVALID_KEY', `${what} must not be empty`, site);
    if (!key.isWellFormed()) {
      // Lone surrogates would collapse to U+FFFD in UTF-8 and alias other keys on a backend.
      throw new CacheError('INVALID_KEY', `${what} contains a lone UTF-16 surrogate; pass well-formed text`, {
        ...site,
        key,
      });
    }
    const bytes = Buffer.byteLength(key, 'utf8');
    if (bytes > this.#maxBytes) {
      throw new CacheError(
        'INVALID_KEY',
        `${what} is ${bytes} bytes of UTF-8, over the limit of ${this.#maxBytes}; shorten it (hash long keys) or raise maxKeyLength`,
        { ...site, key },
      );
    }
  }

  /** Check every key of a list; `keys` must be an array. */
  checkAll(keys: unknown, op: string): asserts keys is readonly string[] {
    if (!Array.isArray(keys)) {
      throw new CacheError('INVALID_ARGUMENT', `keys must be an array of strings, got ${describe(keys)}`, {
        cacheName: this.#cacheName,
        op,
      });
    }
    for (const k of keys) this.check(k, op);
  }
}

/** Throw `INVALID_VALUE` for values no cache can hold. */
export function checkValue(value: unknown, cacheName: string, op: string, key?: string): void {
  if (value === undefined) {
    throw new CacheError(
      'INVALID_VALUE',
      'undefined cannot be stored (it means "miss"); store null or delete the key instead',
      { cacheName, op, key },
    );
  }
  if (value instanceof Promise) {
    throw new CacheError('INVALID_VALUE', 'a Promise cannot be stored; await it and store its result', {
      cacheName,
      op,
      key,
    });
  }
}

/** A short description of a value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.length > 40 ? `a string of length ${v.length}` : JSON.stringify(v);
  if (typeof v === 'object') return `an object (${(v as object).constructor?.name ?? 'null prototype'})`;
  return `${typeof v} ${String(v)}`;
}
