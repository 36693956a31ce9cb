import { CacheError, type Duration, parseDuration } from '@gocache/core';

/** A `CacheError` for bad middleware options, thrown when the middleware is built (no cache yet). */
export function optionError(middleware: string, message: string): CacheError {
  return new CacheError('INVALID_ARGUMENT', message, { cacheName: '?', op: middleware });
}

/** A finite positive duration in ms, or `INVALID_ARGUMENT` naming the option. */
export function finiteDuration(middleware: string, what: string, d: Duration): number {
  let ms: number;
  try {
    ms = parseDuration(d, { cacheName: '?', op: middleware, what });
  } catch (cause) {
    throw new CacheError(
      'INVALID_ARGUMENT',
      `${what} must be a positive duration such as 5 or '5ms', got ${JSON.stringify(d)}`,
      { cacheName: '?', op: middleware, cause },
    );
  }
  if (!Number.isFinite(ms)) throw optionError(middleware, `${what} must be finite, got Infinity`);
  return ms;
}
