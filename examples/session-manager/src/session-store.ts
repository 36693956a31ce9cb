import { randomUUID } from 'node:crypto';
import type { Cache, Duration } from '@gocache/core';

/** What an auth service keeps per login. */
export interface Session {
  id: string;
  userId: string;
  createdAt: number;
  lastSeenAt: number;
  /** Requests seen on this session (bumped by `touch`). */
  touches: number;
}

/** The index that lists a user's sessions; keys must match its declared pattern. */
export const BY_USER = 'sessions_by_user';

/** The cache key of a session. */
export const sessionKey = (id: string): string => `session:${id}`;

/**
 * A session store as an auth service writes it on a gocache `Cache<Session>`: the cache owns
 * expiry, atomic updates, single-flight creation and the user → sessions index.
 */
export function createSessionStore(cache: Cache<Session>) {
  return {
    /**
     * Create the session `id` for `userId`, or return it if it already exists (a retried login
     * request must not mint a second session): `getOrSet` runs the loader once however many
     * requests race, then the session joins the user's index.
     */
    async open(userId: string, id: string = randomUUID(), ttl?: Duration): Promise<Session> {
      const key = sessionKey(id);
      const session = await cache.getOrSet(
        key,
        () => ({ id, userId, createdAt: Date.now(), lastSeenAt: Date.now(), touches: 0 }),
        ttl === undefined ? undefined : { ttl },
      );
      await cache.addIndex(BY_USER, key, userId);
      return session;
    },

    /** The live session, or `undefined` once it expired or was revoked. */
    get: (id: string): Promise<Session | undefined> => cache.get(sessionKey(id)),

    /** Record a request on the session: an atomic read-modify-write, so concurrent touches add up. */
    touch(id: string): Promise<Session> {
      return cache.update(sessionKey(id), (old, exists) => {
        if (!exists || old === undefined) throw new Error(`session ${id} is gone`);
        return { ...old, lastSeenAt: Date.now(), touches: old.touches + 1 };
      });
    },

    /** Keys of the user's live sessions. */
    list: (userId: string): Promise<string[]> => cache.getByIndex(BY_USER, userId),

    /** Log the user out everywhere; the number of sessions revoked. */
    revokeAll: (userId: string): Promise<number> => cache.deleteByIndex(BY_USER, userId),
  };
}
