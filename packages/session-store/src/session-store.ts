import { CacheError, escapeGlob, isCacheError, type SetOptions } from '@gocache/core';
import { type SessionData, Store } from 'express-session';
import { type Callback, finish } from './callback.js';
import { type GocacheSessionStoreOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { cookieExpiresAt, sessionTtlMs } from './ttl.js';

/**
 * What a destroyed session leaves under its key. A serializer's output never starts with NUL
 * (JSON's starts with `{`), so no session text can equal it.
 */
export const REVOKED = '\u0000gocache-session:revoked';

/** Thrown from `set`'s updater when it finds a revocation marker: the update then writes nothing. */
const REFUSED = Object.freeze({ reason: 'the session was destroyed' });

/**
 * An express-session `Store` over any gocache `Cache<string>`, also accepted by @fastify/session.
 * Every method returns a promise, or takes a Node-style callback instead.
 *
 * A logout wins: `destroy` replaces the session with a revocation marker (for `revokedTtl`), and
 * `set` is a compare-and-set that never overwrites the marker, so a slower request that loaded the
 * session before the logout cannot write it back.
 */
export class GocacheSessionStore extends Store {
  readonly #o: ResolvedOptions;
  readonly #pattern: string;
  /** Parse stored sessions on bulk reads to drop expired cookies (only when the entry's TTL may outlive its cookie). */
  readonly #checkCookies: boolean;
  #indexChecked = false;

  constructor(options: GocacheSessionStoreOptions) {
    super();
    this.#o = resolveOptions(options);
    this.#pattern = `${escapeGlob(this.#o.prefix)}*`;
    this.#checkCookies = this.#o.disableTTL || typeof this.#o.ttl === 'function';
  }

  /** The session, or `null` when there is none (never stored, expired, or destroyed). */
  override get(sid: string): Promise<SessionData | null>;
  override get(sid: string, callback: Callback<SessionData | null>): void;
  override get(sid: string, callback?: Callback<SessionData | null>): Promise<SessionData | null> | undefined {
    return finish(this.#get(sid), callback);
  }

  /** Store the session with its TTL; a no-op when the session was destroyed meanwhile. */
  override set(sid: string, session: SessionData): Promise<void>;
  override set(sid: string, session: SessionData, callback: Callback<void>): void;
  override set(sid: string, session: SessionData, callback?: Callback<void>): Promise<void> | undefined {
    return finish(this.#set(sid, session), callback);
  }

  /** A new expiry for the stored session without rewriting it (one `Cache.touch`). */
  override touch(sid: string, session: SessionData): Promise<void>;
  override touch(sid: string, session: SessionData, callback: Callback<void>): void;
  override touch(sid: string, session: SessionData, callback?: Callback<void>): Promise<void> | undefined {
    return finish(this.#touch(sid, session), callback);
  }

  /** Remove the session; no concurrent `set` or `touch` brings it back. */
  override destroy(sid: string): Promise<void>;
  override destroy(sid: string, callback: Callback<void>): void;
  override destroy(sid: string, callback?: Callback<void>): Promise<void> | undefined {
    return finish(this.#revoke(this.#o.prefix + sid), callback);
  }

  /** Every live session, each with its `id` (as connect-redis returns them). */
  override all(): Promise<(SessionData & { id: string })[]>;
  override all(callback: Callback<(SessionData & { id: string })[]>): void;
  override all(
    callback?: Callback<(SessionData & { id: string })[]>,
  ): Promise<(SessionData & { id: string })[]> | undefined {
    return finish(this.#all(), callback);
  }

  /** How many live sessions there are. */
  override length(): Promise<number>;
  override length(callback: Callback<number>): void;
  override length(callback?: Callback<number>): Promise<number> | undefined {
    return finish(
      this.#collect(() => 1).then((ones) => ones.length),
      callback,
    );
  }

  /** The ids of every live session. */
  ids(): Promise<string[]>;
  ids(callback: Callback<string[]>): void;
  ids(callback?: Callback<string[]>): Promise<string[]> | undefined {
    return finish(
      this.#collect((sid) => sid),
      callback,
    );
  }

  /**
   * Delete every key under the prefix, revocation markers included. A reset, not a revocation:
   * use `destroy` or `destroyAllForUser` to log users out.
   */
  override clear(): Promise<void>;
  override clear(callback: Callback<void>): void;
  override clear(callback?: Callback<void>): Promise<void> | undefined {
    return finish(
      this.#o.cache.deleteByPattern(this.#pattern).then(() => undefined),
      callback,
    );
  }

  /**
   * Log a user out everywhere: destroy every session `userId` maps to `userId` (each left revoked,
   * as `destroy` leaves it) and resolve to how many live sessions were destroyed.
   */
  async destroyAllForUser(userId: string): Promise<number> {
    const o = this.#o;
    if (o.userId === undefined) {
      throw this.#error('INVALID_ARGUMENT', 'destroyAllForUser', 'pass the userId option to new GocacheSessionStore');
    }
    if (typeof userId !== 'string' || userId === '') {
      throw this.#error('INVALID_ARGUMENT', 'destroyAllForUser', 'userId must be a non-empty string');
    }
    await this.#checkIndex();
    const keys = await o.cache.getByIndex(o.userIndex, userId);
    let destroyed = 0;
    for (let i = 0; i < keys.length; i += o.batchSize) {
      const found = await o.cache.getMany(keys.slice(i, i + o.batchSize));
      const live: [string, string][] = [];
      for (const [key, text] of found) if (text !== REVOKED) live.push([key, REVOKED]);
      if (live.length === 0) continue;
      await o.cache.setMany(live, { ttl: o.revokedTtlMs });
      destroyed += live.length;
    }
    return destroyed;
  }

  async #get(sid: string): Promise<SessionData | null> {
    const key = this.#o.prefix + sid;
    const text = await this.#o.cache.get(key);
    if (text === undefined || text === REVOKED) return null;
    const session = await this.#parse(text, key);
    const expires = cookieExpiresAt(session);
    return expires !== undefined && expires <= Date.now() ? null : session;
  }

  async #set(sid: string, session: SessionData): Promise<void> {
    const o = this.#o;
    const key = o.prefix + sid;
    const ttlMs = sessionTtlMs(o, session, Date.now(), key);
    if (ttlMs <= 0) return this.#revoke(key);
    const text = o.serializer.stringify(session);
    if (typeof text !== 'string' || text.startsWith('\u0000')) {
      throw this.#error('SERIALIZATION', 'set', 'the serializer must return a string not starting with NUL', key);
    }
    const owner = o.userId === undefined ? undefined : ownerOf(o.userId, session);
    if (o.userId !== undefined) await this.#checkIndex();
    let previousOwner: string | undefined;
    try {
      await o.cache.update(
        key,
        async (old) => {
          if (old === REVOKED) throw REFUSED;
          previousOwner = old === undefined || o.userId === undefined ? undefined : await this.#ownerOfText(old);
          return text;
        },
        this.#ttl(ttlMs),
      );
    } catch (e) {
      if (isCacheError(e, 'UPDATER_FAILED') && e.cause === REFUSED) return;
      throw e;
    }
    // An overwrite keeps the entry's memberships, so the index is written only when the owner changes.
    if (owner === previousOwner) return;
    if (previousOwner !== undefined) await o.cache.removeIndex(o.userIndex, key, previousOwner);
    if (owner !== undefined) {
      await o.cache.addIndex(o.userIndex, key, owner).catch((e: unknown) => {
        // Destroyed or expired in between: nothing to index.
        if (!isCacheError(e, 'NOT_FOUND')) throw e;
      });
    }
  }

  async #touch(sid: string, session: SessionData): Promise<void> {
    const o = this.#o;
    if (o.disableTouch || o.disableTTL) return;
    const key = o.prefix + sid;
    const ttlMs = sessionTtlMs(o, session, Date.now(), key);
    if (ttlMs <= 0) return this.#revoke(key);
    // A miss stays a miss; on a revocation marker this only extends the marker.
    await o.cache.touch(key, ttlMs);
  }

  /**
   * Replace a stored session by the revocation marker. Only an existing entry is marked: a session
   * id that was never saved (express-session and @fastify/session destroy one on every login's
   * `regenerate`) leaves nothing behind.
   */
  async #revoke(key: string): Promise<void> {
    await this.#o.cache.setIfExists(key, REVOKED, { ttl: this.#o.revokedTtlMs });
  }

  async #all(): Promise<(SessionData & { id: string })[]> {
    return this.#collect((sid, session) => Object.assign(session!, { id: sid }), true);
  }

  /**
   * Map every live session under the prefix: keys stream from `scanKeys`, values are read
   * `batchSize` at a time, revocation markers (and, where an entry's TTL may outlive its cookie,
   * sessions whose cookie expired) are skipped. Sessions are parsed only when needed.
   */
  async #collect<R>(map: (sid: string, session: SessionData | undefined) => R, parse = false): Promise<R[]> {
    const o = this.#o;
    const out: R[] = [];
    const flush = async (keys: string[]) => {
      const found = await o.cache.getMany(keys);
      const now = Date.now();
      for (const key of keys) {
        const text = found.get(key);
        if (text === undefined || text === REVOKED) continue;
        const session = parse || this.#checkCookies ? await this.#parse(text, key) : undefined;
        if (this.#checkCookies) {
          const expires = cookieExpiresAt(session);
          if (expires !== undefined && expires <= now) continue;
        }
        out.push(map(key.slice(o.prefix.length), session));
      }
    };
    let batch: string[] = [];
    for await (const key of o.cache.scanKeys(this.#pattern)) {
      batch.push(key);
      if (batch.length >= o.batchSize) {
        await flush(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await flush(batch);
    return out;
  }

  async #parse(text: string, key: string): Promise<SessionData> {
    if (typeof text !== 'string') {
      throw this.#error('SERIALIZATION', 'get', 'the entry is not a session written by GocacheSessionStore', key);
    }
    try {
      return await this.#o.serializer.parse(text);
    } catch (cause) {
      throw this.#error('SERIALIZATION', 'get', 'the stored session could not be parsed by the serializer', key, cause);
    }
  }

  async #ownerOfText(text: string): Promise<string | undefined> {
    try {
      return ownerOf(this.#o.userId!, await this.#o.serializer.parse(text));
    } catch {
      return undefined; // an unreadable old value has no owner to unindex
    }
  }

  #ttl(ms: number): SetOptions | undefined {
    return this.#o.disableTTL ? undefined : { ttl: ms };
  }

  /**
   * `userId` needs the cache to keep `userIndex` over `prefix*`. Core's `Cache` does not expose its
   * options, so the first indexed operation asks the cache itself (a `removeIndex` of a key that
   * is in no index): before any session is written without its index.
   */
  async #checkIndex(): Promise<void> {
    if (this.#indexChecked) return;
    const o = this.#o;
    try {
      await o.cache.removeIndex(o.userIndex, `${o.prefix}\u0000index-check`, '\u0000index-check');
    } catch (cause) {
      if (!isCacheError(cause, 'INVALID_ARGUMENT')) throw cause;
      throw this.#error(
        'INVALID_ARGUMENT',
        'GocacheSessionStore',
        `the userId option needs index "${o.userIndex}" over keys "${this.#pattern}": create the cache with ` +
          `indexes: { ${o.userIndex}: '${this.#pattern}' } on a provider with index support (the cache said: ${(cause as Error).message})`,
        undefined,
        cause,
      );
    }
    this.#indexChecked = true;
  }

  #error(code: 'INVALID_ARGUMENT' | 'SERIALIZATION', op: string, message: string, key?: string, cause?: unknown) {
    return new CacheError(code, message, { cacheName: this.#o.cache.name, op, key, cause });
  }
}

function ownerOf(
  userId: (session: SessionData) => string | undefined | null,
  session: SessionData,
): string | undefined {
  const id = userId(session);
  return typeof id === 'string' && id !== '' ? id : undefined;
}
