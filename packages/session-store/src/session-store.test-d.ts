import type fastifySession from '@fastify/session';
import type { Cache } from '@gocache/core';
import session, { type SessionData, type Store } from 'express-session';
import { expectTypeOf } from 'vitest';
import { GocacheSessionStore } from './session-store.js';

declare const cache: Cache<string>;
const store = new GocacheSessionStore({ cache, ttl: (s) => (s.cookie.maxAge ?? 60_000) / 1000 });

// An express-session Store, accepted where express-session wants one.
expectTypeOf(store).toExtend<Store>();
session({ store, secret: 's' });
// …and where @fastify/session wants one.
expectTypeOf(store).toExtend<fastifySession.SessionStore>();

// Without a callback, promises; with one, nothing to await.
expectTypeOf(store.get('sid')).toEqualTypeOf<Promise<SessionData | null>>();
expectTypeOf(store.get('sid', () => {})).toEqualTypeOf<void>();
expectTypeOf(store.set('sid', {} as SessionData)).toEqualTypeOf<Promise<void>>();
expectTypeOf(store.length()).toEqualTypeOf<Promise<number>>();
expectTypeOf(store.ids()).toEqualTypeOf<Promise<string[]>>();
expectTypeOf(store.all()).resolves.items.toHaveProperty('id').toEqualTypeOf<string>();
expectTypeOf(store.destroyAllForUser('u')).toEqualTypeOf<Promise<number>>();

// @ts-expect-error: the cache holds serialized sessions (strings)
new GocacheSessionStore({ cache: {} as Cache<number> });
// @ts-expect-error: ttl is seconds (a number) or a function, not a duration string
new GocacheSessionStore({ cache, ttl: '1d' });
