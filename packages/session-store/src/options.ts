import { type Cache, CacheError } from '@gocache/core';
import type { SessionData } from 'express-session';

/** Turns a session into the string that is stored, and back (connect-redis's `serializer`). */
export interface SessionSerializer {
  stringify(session: SessionData): string;
  parse(text: string): SessionData | Promise<SessionData>;
}

/** Options of `new GocacheSessionStore(options)`; the names a connect-redis user knows, plus `userId`. */
export interface GocacheSessionStoreOptions {
  /**
   * Where sessions live. Any `Cache<string>` of any provider: the store writes the serialized
   * session (a string) under `prefix + sid`. With `userId`, the cache must support indexes and,
   * if it declares `indexes`, declare `userIndex` with a pattern that matches `prefix*`.
   */
  cache: Cache<string>;
  /**
   * First part of every key the store writes in the cache.
   * @default 'sess:'
   */
  prefix?: string | undefined;
  /**
   * Seconds a session lives when its cookie has no `expires`, or a function of the session that
   * returns seconds (which then wins over the cookie, as in connect-redis). A result `<= 0`
   * destroys the session instead of storing it.
   * @default 86400 (one day)
   */
  ttl?: number | ((session: SessionData) => number) | undefined;
  /**
   * Store sessions without an expiry of their own (the cache's default `ttl` applies, which
   * defaults to none); `touch` becomes a no-op.
   * @default false
   */
  disableTTL?: boolean | undefined;
  /**
   * Make `touch` a no-op (express-session then only writes modified sessions).
   * @default false
   */
  disableTouch?: boolean | undefined;
  /**
   * How a session becomes the stored string and back.
   * @default JSON
   */
  serializer?: SessionSerializer | undefined;
  /**
   * The user a session belongs to, or `undefined` for an anonymous one. Enables
   * `destroyAllForUser`. It sees the session as express-session or @fastify/session hands it to
   * `set`, and also as parsed plain data (when the store compares old and new owners), so read
   * plain fields only.
   * @default none
   */
  userId?: ((session: SessionData) => string | undefined | null) | undefined;
  /**
   * Name of the cache index that maps a user id to that user's session keys.
   * @default 'sessions_by_user'
   */
  userIndex?: string | undefined;
  /**
   * Seconds a destroyed session's revocation marker stays under its key. While it is there no
   * `set` or `touch` can bring the session back; it must outlive the slowest request that may
   * have loaded the session before the logout.
   * @default 86400 (one day)
   */
  revokedTtl?: number | undefined;
  /**
   * Keys read per `getMany` round trip by `all`, `length`, `ids`.
   * @default 256
   */
  batchSize?: number | undefined;
}

/** The options after validation, with defaults applied. */
export interface ResolvedOptions {
  cache: Cache<string>;
  prefix: string;
  ttl: number | ((session: SessionData) => number);
  disableTTL: boolean;
  disableTouch: boolean;
  serializer: SessionSerializer;
  userId: ((session: SessionData) => string | undefined | null) | undefined;
  userIndex: string;
  revokedTtlMs: number;
  batchSize: number;
}

const KNOWN = new Set([
  'cache',
  'prefix',
  'ttl',
  'disableTTL',
  'disableTouch',
  'serializer',
  'userId',
  'userIndex',
  'revokedTtl',
  'batchSize',
]);

const DAY_SECONDS = 86_400;

/** Validate the constructor's options; bad input is an `INVALID_ARGUMENT` that says what to pass. */
export function resolveOptions(opts: GocacheSessionStoreOptions): ResolvedOptions {
  const cache = (opts as Partial<GocacheSessionStoreOptions> | undefined)?.cache;
  const cacheName = typeof cache?.name === 'string' ? cache.name : '?';
  const bad = (message: string) =>
    new CacheError('INVALID_ARGUMENT', message, { cacheName, op: 'GocacheSessionStore' });
  if (typeof opts !== 'object' || opts === null)
    throw bad('pass an options object: new GocacheSessionStore({ cache })');
  if (typeof cache?.update !== 'function' || typeof cache.touch !== 'function') {
    throw bad('`cache` must be a gocache Cache (createCache(provider, { name }) or manager.newCache(...))');
  }
  const unknown = Object.keys(opts).filter((k) => !KNOWN.has(k));
  if (unknown.length > 0) throw bad(`unknown option(s) ${unknown.join(', ')}; known: ${[...KNOWN].join(', ')}`);
  const prefix = opts.prefix ?? 'sess:';
  if (typeof prefix !== 'string') throw bad('`prefix` must be a string (default "sess:")');
  const ttl = opts.ttl ?? DAY_SECONDS;
  if (typeof ttl !== 'function' && !positiveSeconds(ttl)) {
    throw bad('`ttl` must be a number of seconds > 0 or a function of the session returning seconds');
  }
  const serializer = opts.serializer ?? JSON;
  if (typeof serializer?.stringify !== 'function' || typeof serializer.parse !== 'function') {
    throw bad('`serializer` must have stringify(session) and parse(text) functions');
  }
  if (opts.userId !== undefined && typeof opts.userId !== 'function') {
    throw bad('`userId` must be a function (session) => string | undefined');
  }
  const userIndex = opts.userIndex ?? 'sessions_by_user';
  if (typeof userIndex !== 'string' || userIndex === '') throw bad('`userIndex` must be a non-empty string');
  const revokedTtl = opts.revokedTtl ?? DAY_SECONDS;
  if (!positiveSeconds(revokedTtl)) throw bad('`revokedTtl` must be a number of seconds > 0');
  const batchSize = opts.batchSize ?? 256;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw bad('`batchSize` must be an integer >= 1');
  return {
    cache,
    prefix,
    ttl,
    disableTTL: opts.disableTTL === true,
    disableTouch: opts.disableTouch === true,
    serializer,
    userId: opts.userId,
    userIndex,
    revokedTtlMs: revokedTtl * 1000,
    batchSize,
  };
}

function positiveSeconds(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0;
}
