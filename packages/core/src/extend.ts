import { CacheError } from './errors.js';
import type { DerivedIndexes } from './spi.js';
import type { Cache } from './types.js';

/** The write operations an extension may wrap (the ones that store a value). */
export type WrappableOp = 'set' | 'setMany' | 'setIfNotExists' | 'setIfExists' | 'update' | 'getOrSet';

/**
 * Replacements for write operations: each gets the operation as it was (`next`, already bound)
 * and returns the one the cache will have. Wrap only what the extension must change: an
 * operation left out keeps core's own method, with no extra call on its path.
 */
export type OperationWrappers<T> = { [K in WrappableOp]?: (next: Cache<T>[K]) => Cache<T>[K] };

/** What an extension may reach of the cache it is installed on. */
export interface ExtensionHost<T> {
  /** The cache, for calls of any operation (wrapped ones included once installed). */
  readonly cache: Cache<T>;
  /**
   * Ask the cache's store to keep `indexes` (memberships derived from values, with their limits)
   * in the same atomic step as every write (`Store.deriveIndexes`). True when it took them; false
   * when the store lacks the primitive, and the extension must keep memberships itself.
   */
  deriveIndexes(indexes: DerivedIndexes): boolean;
}

/** What `install` returns: members added to the cache, and operations it replaces. */
export interface ExtensionParts<T, X extends object> {
  /** Properties and methods added to the cache (they must not shadow a `Cache<T>` member). */
  readonly members: X;
  /** Write operations the extension replaces (see `OperationWrappers`). */
  readonly wrap?: OperationWrappers<T> | undefined;
}

/**
 * A package's addition to a cache it did not create, e.g. `@gocache/indexing`'s typed queries.
 * Install it with `extendCache`.
 */
export interface CacheExtension<T, X extends object> {
  /** The extension's name; a cache takes each name once (a second install is refused). */
  readonly name: string;
  /** Called once, when installed. */
  install(host: ExtensionHost<T>): ExtensionParts<T, X>;
}

/** How a core cache accepts an extension (a registry symbol: survives duplicate installs of core). */
export const EXTEND: unique symbol = Symbol.for('@gocache/core/extend') as never;

/** The part of a core cache `extendCache` uses. */
interface Extensible<T> {
  [EXTEND](name: string): ExtensionHost<T>;
}

const WRAPPABLE: readonly WrappableOp[] = ['set', 'setMany', 'setIfNotExists', 'setIfExists', 'update', 'getOrSet'];

/**
 * Install `extension` on `cache` (made by `createCache` or a manager) and return the same cache,
 * typed with the extension's members. This is the one documented way to add behaviour to a
 * cache after it is built: the extension's members become the cache's own, the write operations
 * it wraps are replaced once, here (every other operation keeps core's path, unchanged), and its
 * host reaches the store's optional primitives. Refused with `INVALID_ARGUMENT`: a cache not made
 * by core, a closed cache, a second install of the same name, a member that would shadow an
 * existing one, or a wrapper for an operation that cannot be wrapped.
 *
 * @example
 * const audited = extendCache(cache, {
 *   name: 'audit',
 *   install: ({ cache }) => ({
 *     members: { writes: 0 },
 *     wrap: { set: (next) => (key, value, ttl) => { audited.writes++; return next(key, value, ttl); } },
 *   }),
 * });
 */
export function extendCache<T, X extends object>(cache: Cache<T>, extension: CacheExtension<T, X>): Cache<T> & X {
  const fail = (message: string, name = '?') =>
    new CacheError('INVALID_ARGUMENT', message, { cacheName: name, op: 'extendCache' });
  const accept = (cache as unknown as Partial<Extensible<T>> | null)?.[EXTEND];
  if (typeof accept !== 'function') {
    throw fail('extendCache needs a cache made by createCache or a manager');
  }
  if (extension === null || typeof extension !== 'object' || typeof extension.install !== 'function') {
    throw fail('an extension is an object { name, install(host) }', cache.name);
  }
  if (typeof extension.name !== 'string' || extension.name.length === 0) {
    throw fail('an extension needs a non-empty name', cache.name);
  }
  const host = accept.call(cache, extension.name);
  const parts = extension.install(host);
  const members = parts?.members;
  if (members === null || typeof members !== 'object') {
    throw fail(`extension "${extension.name}": install must return { members, wrap? }`, cache.name);
  }
  const descriptors = Object.getOwnPropertyDescriptors(members);
  for (const key of Reflect.ownKeys(descriptors)) {
    if (key in cache) {
      throw fail(`extension "${extension.name}": member ${String(key)} would shadow the cache's own`, cache.name);
    }
  }
  const wraps: [WrappableOp, (next: never) => unknown][] = [];
  for (const [op, wrapper] of Object.entries(parts.wrap ?? {})) {
    if (!(WRAPPABLE as readonly string[]).includes(op) || typeof wrapper !== 'function') {
      throw fail(
        `extension "${extension.name}": only ${WRAPPABLE.join(', ')} can be wrapped, each by a function of next`,
        cache.name,
      );
    }
    wraps.push([op as WrappableOp, wrapper as (next: never) => unknown]);
  }
  const target = cache as unknown as Record<string | symbol, unknown>;
  for (const [op, wrapper] of wraps) {
    const next = (target[op] as (...a: unknown[]) => unknown).bind(cache);
    Object.defineProperty(cache, op, { value: wrapper(next as never), configurable: true, writable: true });
  }
  Object.defineProperties(cache, descriptors);
  return cache as Cache<T> & X;
}
