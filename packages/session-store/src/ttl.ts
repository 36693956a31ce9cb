import { CacheError } from '@gocache/core';
import type { SessionData } from 'express-session';
import type { ResolvedOptions } from './options.js';

/**
 * How long a session lives from `now`, in ms, as connect-redis decides it: a `ttl` function wins;
 * else the cookie's `expires`; else the `ttl` seconds. A result `<= 0` means "already over".
 */
export function sessionTtlMs(o: ResolvedOptions, session: SessionData, now: number, key: string): number {
  if (typeof o.ttl === 'function') {
    const seconds = o.ttl(session);
    if (typeof seconds !== 'number' || Number.isNaN(seconds)) {
      throw new CacheError(
        'INVALID_ARGUMENT',
        `the ttl option returned ${String(seconds)}; it must return seconds (<= 0 destroys the session)`,
        { cacheName: o.cache.name, op: 'sessionTtl', key },
      );
    }
    return seconds * 1000;
  }
  const expires = cookieExpiresAt(session);
  return expires === undefined ? o.ttl * 1000 : expires - now;
}

/** Epoch ms of the session cookie's `expires` (a Date or, once serialized, an ISO string), if any. */
export function cookieExpiresAt(session: SessionData | undefined): number | undefined {
  const expires = (session?.cookie as { expires?: unknown } | undefined)?.expires;
  if (expires === undefined || expires === null || expires === false) return undefined;
  const at = expires instanceof Date ? expires.getTime() : new Date(expires as string | number).getTime();
  return Number.isNaN(at) ? undefined : at;
}
