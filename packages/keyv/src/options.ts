import { CacheError } from '@gocache/core';
import type { MissingTtl } from './ttl.js';

/** Options of `new KeyvGocache(cache, options)`. */
export interface KeyvGocacheOptions {
  /**
   * Between Keyv's namespace and the key in the gocache key: namespace `users` and key `42` are
   * stored as `users::42`. A namespace may not contain it (that namespace's `clear()` would reach
   * into another's keys). The same default as `@keyv/redis`.
   * @default '::'
   */
  keyPrefixSeparator?: string | undefined;
  /**
   * A write without a TTL: `'none'` stores it without expiry, as every Keyv store does and as the
   * `expires` field Keyv writes into the value says; `'cache'` gives it the gocache cache's default
   * TTL instead (the entry then expires although Keyv's envelope says it does not).
   * @default 'none'
   */
  defaultTtl?: MissingTtl | undefined;
  /**
   * Keys read per `getMany` while `iterator()` walks a namespace.
   * @default 100
   */
  iterationBatchSize?: number | undefined;
}

/** `KeyvGocacheOptions` with defaults applied. */
export interface ResolvedOptions {
  readonly keyPrefixSeparator: string;
  readonly defaultTtl: MissingTtl;
  readonly iterationBatchSize: number;
}

const KNOWN = new Set(['keyPrefixSeparator', 'defaultTtl', 'iterationBatchSize']);

/** Apply defaults and refuse what cannot work, naming the option and the fix. */
export function resolveOptions(cacheName: string, options: KeyvGocacheOptions = {}): ResolvedOptions {
  const fail = (message: string) => new CacheError('INVALID_ARGUMENT', message, { cacheName, op: 'KeyvGocache' });
  if (typeof options !== 'object' || options === null) throw fail('options must be an object or omitted');
  for (const name of Object.keys(options)) {
    if (!KNOWN.has(name)) throw fail(`unknown option "${name}"; known: ${[...KNOWN].join(', ')}`);
  }
  const { keyPrefixSeparator = '::', defaultTtl = 'none', iterationBatchSize = 100 } = options;
  if (typeof keyPrefixSeparator !== 'string' || keyPrefixSeparator.length === 0) {
    throw fail('keyPrefixSeparator must be a non-empty string, e.g. "::"');
  }
  if (defaultTtl !== 'none' && defaultTtl !== 'cache') {
    throw fail(`defaultTtl must be 'none' (no expiry) or 'cache' (the cache's default TTL), got ${String(defaultTtl)}`);
  }
  if (!Number.isSafeInteger(iterationBatchSize) || iterationBatchSize < 1) {
    throw fail(`iterationBatchSize must be a positive integer, got ${String(iterationBatchSize)}`);
  }
  return { keyPrefixSeparator, defaultTtl, iterationBatchSize };
}
