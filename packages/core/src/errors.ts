/**
 * Every error code gocache can raise. Stable: changing or removing one is a breaking change.
 * - `INVALID_KEY`, `INVALID_TTL`, `INVALID_VALUE`, `INVALID_ARGUMENT`: bad input, nothing was touched.
 * - `NOT_FOUND`: the operation needs an entry that does not exist (e.g. `addIndex`).
 * - `CLOSED`: the cache or its provider was closed.
 * - `ABORTED`: the caller's `AbortSignal` fired.
 * - `TIMEOUT`: a loader, updater or backend call took longer than allowed.
 * - `LOADER_FAILED`, `UPDATER_FAILED`: user code threw; the original error is `cause`.
 * - `CONFLICT`: an optimistic `update` lost the race more times than its retry budget.
 * - `LOCK_TIMEOUT`: a distributed lock could not be had in time (and no fallback applied).
 * - `SERIALIZATION`: a value could not be encoded, or stored bytes could not be decoded.
 * - `UNAVAILABLE`: the backend is unreachable or its circuit breaker is open.
 * - `ACCESS_DENIED`: a hook or access-control middleware refused the operation.
 * - `RATE_LIMITED`: a rate limiter refused the operation.
 * - `PROVIDER`: any other backend failure.
 */
export type CacheErrorCode =
  | 'INVALID_KEY'
  | 'INVALID_TTL'
  | 'INVALID_VALUE'
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'CLOSED'
  | 'ABORTED'
  | 'TIMEOUT'
  | 'LOADER_FAILED'
  | 'UPDATER_FAILED'
  | 'CONFLICT'
  | 'LOCK_TIMEOUT'
  | 'SERIALIZATION'
  | 'UNAVAILABLE'
  | 'ACCESS_DENIED'
  | 'RATE_LIMITED'
  | 'PROVIDER';

/** All codes, for exhaustive checks and documentation. */
export const CACHE_ERROR_CODES: readonly CacheErrorCode[] = Object.freeze([
  'INVALID_KEY',
  'INVALID_TTL',
  'INVALID_VALUE',
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'CLOSED',
  'ABORTED',
  'TIMEOUT',
  'LOADER_FAILED',
  'UPDATER_FAILED',
  'CONFLICT',
  'LOCK_TIMEOUT',
  'SERIALIZATION',
  'UNAVAILABLE',
  'ACCESS_DENIED',
  'RATE_LIMITED',
  'PROVIDER',
]);

// A registry symbol, so `isCacheError` recognises errors from a second copy of core.
const MARKER = Symbol.for('@gocache/core/CacheError');
// The message without its `[CODE] cache "…" op(key):` prefix, so core can re-issue a store's bare error with context.
const BARE = Symbol.for('@gocache/core/CacheError.bare');

/** Fields of a `CacheError` besides its code and message. */
export interface CacheErrorDetails {
  /** The cache the operation ran on (`'?'` where no cache is involved, e.g. manager errors). */
  cacheName: string;
  /** The operation, e.g. `'get'`, `'newCache'`. */
  op: string;
  /** The key involved, where there is one. */
  key?: string | undefined;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * The one error type gocache throws. Messages name the cache, the operation and what to do;
 * `code` is stable and is what programs should branch on.
 */
export class CacheError extends Error {
  override readonly name = 'CacheError';
  readonly code: CacheErrorCode;
  readonly cacheName: string;
  readonly op: string;
  readonly key: string | undefined;
  readonly [MARKER] = true;
  readonly [BARE]: string;

  constructor(code: CacheErrorCode, message: string, details: CacheErrorDetails) {
    super(
      details.cacheName === ''
        ? `[${code}] ${message}`
        : `[${code}] cache "${details.cacheName}" ${details.op}${details.key === undefined ? '' : `("${truncate(details.key)}")`}: ${message}`,
      details.cause === undefined ? undefined : { cause: details.cause },
    );
    this.code = code;
    this.cacheName = details.cacheName;
    this.op = details.op;
    this.key = details.key;
    this[BARE] = message;
  }

  /** True for a `CacheError` from any copy of `@gocache/core`. */
  static isInstance(e: unknown): e is CacheError {
    return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[MARKER] === true;
  }
}

/**
 * A `CacheError` for a store to throw without knowing its context: core re-issues it with the
 * cache's name, the operation and the key (keeping `code`, message and `cause`).
 *
 * @example
 * if (!connected) throw storeError('UNAVAILABLE', 'no connection to the database; retry later');
 */
export function storeError(code: CacheErrorCode, message: string, cause?: unknown): CacheError {
  return new CacheError(code, message, { cacheName: '', op: '', cause });
}

/** @internal `e` with the context a store could not give it (a bare `storeError`); other errors as they are. */
export function withContext(e: CacheError, cacheName: string, op: string, key: string | undefined): CacheError {
  if (e.cacheName !== '') return e;
  const bare = (e as unknown as Record<symbol, unknown>)[BARE];
  return new CacheError(e.code, typeof bare === 'string' ? bare : e.message, { cacheName, op, key, cause: e.cause });
}

/** Narrow `e` to a `CacheError`, optionally of one code; works across duplicate installs. */
export function isCacheError(e: unknown, code?: CacheErrorCode): e is CacheError {
  return CacheError.isInstance(e) && (code === undefined || e.code === code);
}

function truncate(key: string): string {
  return key.length > 64 ? `${key.slice(0, 61)}...` : key;
}
