import type { Cache } from '@gocache/core';
import { isCacheError } from '@gocache/core';
import { Cookie, type SessionData } from 'express-session';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GocacheSessionStoreOptions } from '../src/options.js';
import { GocacheSessionStore, REVOKED } from '../src/session-store.js';

/** A fresh cache per test with `indexes: { sessions_by_user: 'sess:*' }`, and how to dispose of it. */
export type MakeStoreCache = () => Promise<{ cache: Cache<string>; dispose: () => Promise<void> }>;

const DAY_MS = 86_400_000;

/** A session as express-session hands it to `set`: a live `Cookie` with getters and a toJSON. */
function session(fields: Record<string, unknown> = {}, cookie: Partial<Cookie> = {}): SessionData {
  const c = new Cookie();
  Object.assign(c, cookie);
  return { cookie: c, ...fields } as SessionData;
}

/** The store lifecycle a connect-redis user relies on, run once per provider. */
export function describeLifecycle(providerLabel: string, makeCache: MakeStoreCache): void {
  describe(`store lifecycle on the ${providerLabel}`, () => {
    let cache: Cache<string>;
    let dispose: () => Promise<void>;
    const stores = (opts: Omit<GocacheSessionStoreOptions, 'cache'> = {}) =>
      new GocacheSessionStore({ cache, ...opts });

    beforeEach(async () => {
      ({ cache, dispose } = await makeCache());
    });
    afterEach(async () => {
      await dispose();
    });

    it('set then get returns the same plain data, a fresh object on every read', async () => {
      const store = stores();
      const sess = session({ userId: 'u1', cart: { items: [1, 2] } }, { maxAge: 60_000 });
      await store.set('s1', sess);
      const got = (await store.get('s1')) as SessionData & { cart: { items: number[] } };
      const cookie = got.cookie as unknown as Record<string, unknown>;
      expect(cookie.originalMaxAge).toBe(60_000);
      expect(cookie.expires).toBe((sess.cookie.expires as Date).toISOString());
      expect(cookie.httpOnly).toBe(true);
      expect(cookie.path).toBe('/');
      expect(got.cart.items).toEqual([1, 2]);
      // Mutating what a request got (as express-session does in createSession) changes nothing stored.
      got.cart.items.push(3);
      (got as { cookie: unknown }).cookie = 'replaced';
      const again = (await store.get('s1')) as SessionData & { cart: { items: number[] } };
      expect(again.cart.items).toEqual([1, 2]);
      expect((again.cookie as unknown as Record<string, unknown>).originalMaxAge).toBe(60_000);
      expect(await store.get('nope')).toBeNull();
    });

    it('the stored TTL: from the cookie, else ttl seconds, a ttl function wins, disableTTL sets none', async () => {
      const expiresAt = async (sid: string) => (await cache.getMetadata(`sess:${sid}`))!.expiresAt;
      const t0 = Date.now();
      await stores().set('cookie', session({}, { maxAge: 60_000 }));
      expect(await expiresAt('cookie')).toBeGreaterThanOrEqual(t0 + 59_900);
      expect(await expiresAt('cookie')).toBeLessThanOrEqual(Date.now() + 60_000);

      await stores().set('default', session());
      expect(Math.abs((await expiresAt('default'))! - (Date.now() + DAY_MS))).toBeLessThan(1_000);

      await stores({ ttl: 120 }).set('seconds', session());
      expect(Math.abs((await expiresAt('seconds'))! - (Date.now() + 120_000))).toBeLessThan(1_000);

      await stores({ ttl: (s) => ((s as { premium?: boolean }).premium ? 7 * 86_400 : 300) }).set(
        'fn',
        session({ premium: true }, { maxAge: 60_000 }),
      );
      expect(Math.abs((await expiresAt('fn'))! - (Date.now() + 7 * DAY_MS))).toBeLessThan(1_000);

      await stores({ disableTTL: true }).set('forever', session({}, { maxAge: 60_000 }));
      expect(await expiresAt('forever')).toBeNull();
    });

    it('touch gives a new expiry without rewriting the value, and creates nothing on a miss', async () => {
      const store = stores();
      const sess = session({ n: 1 }, { maxAge: 60_000 });
      await store.set('t', sess);
      const before = (await cache.getMetadata('sess:t'))!;
      const text = await cache.get('sess:t');
      await new Promise((r) => setTimeout(r, 20));
      (sess.cookie as Cookie).maxAge = 120_000; // what express-session's req.session.touch() does
      await store.touch('t', sess);
      const after = (await cache.getMetadata('sess:t'))!;
      expect(after.expiresAt!).toBeGreaterThan(before.expiresAt! + 59_000);
      // Memory and Redis implement touch natively: nothing is rewritten.
      expect(after.updatedAt).toBe(before.updatedAt);
      expect(await cache.get('sess:t')).toBe(text);

      await store.touch('missing', sess);
      expect(await cache.has('sess:missing')).toBe(false);

      await stores({ disableTouch: true }).touch('t', session({}, { maxAge: 1_000 }));
      expect((await cache.getMetadata('sess:t'))!.expiresAt).toBe(after.expiresAt);
    });

    it('length, ids, all, destroy, clear', async () => {
      const store = stores({ prefix: 'sess:' });
      await cache.set('other:1', 'not a session'); // outside the prefix: never seen
      for (const sid of ['a', 'b', 'c']) await store.set(sid, session({ sid }));
      expect(await store.length()).toBe(3);
      expect((await store.ids()).sort()).toEqual(['a', 'b', 'c']);
      const all = await store.all();
      expect(all.map((s) => s.id).sort()).toEqual(['a', 'b', 'c']);
      expect(all.find((s) => s.id === 'b')).toMatchObject({ sid: 'b', id: 'b' });

      await store.destroy('b');
      expect(await store.get('b')).toBeNull();
      expect(await cache.get('sess:b')).toBe(REVOKED);
      expect(await store.length()).toBe(2);
      expect((await store.ids()).sort()).toEqual(['a', 'c']);
      await store.destroy('never-saved'); // nothing stored, nothing left behind
      expect(await cache.has('sess:never-saved')).toBe(false);

      await store.clear();
      expect(await store.length()).toBe(0);
      expect(await cache.getKeysByPattern('sess:*')).toEqual([]);
      expect(await cache.get('other:1')).toBe('not a session');
    });

    it('a set after a completed destroy writes nothing; a new session id is unaffected', async () => {
      const store = stores();
      const sess = session({ userId: 'u' }, { maxAge: 60_000 });
      await store.set('gone', sess);
      await store.destroy('gone');
      await store.set('gone', sess);
      await store.touch('gone', sess);
      expect(await store.get('gone')).toBeNull();
      expect(await store.length()).toBe(0);
      await store.set('fresh', sess);
      expect(await store.get('fresh')).toMatchObject({ userId: 'u' });
    });

    it('the marker lasts revokedTtl: after it, the id is an ordinary unknown id again', async () => {
      const store = stores({ revokedTtl: 0.05 });
      const sess = session({ userId: 'u' }, { maxAge: 60_000 });
      await store.set('short', sess);
      const t0 = Date.now();
      await store.destroy('short');
      const t1 = Date.now();
      const markerExpiresAt = (await cache.getMetadata('sess:short'))!.expiresAt!;
      expect(markerExpiresAt).toBeGreaterThanOrEqual(t0 + 45);
      expect(markerExpiresAt).toBeLessThanOrEqual(t1 + 55);
      await store.set('short', sess);
      expect(await store.get('short')).toBeNull();
      await new Promise((r) => setTimeout(r, 80));
      expect(await cache.has('sess:short')).toBe(false);
      await store.set('short', sess);
      expect(await store.get('short')).toMatchObject({ userId: 'u' });
    });

    it('saves racing a destroy: once destroy has resolved, no save brings the session back', async () => {
      const store = stores();
      for (let round = 0; round < 20; round++) {
        const sid = `race-${round}`;
        await store.set(sid, session({ v: 0 }, { maxAge: 60_000 }));
        // Ten saves in flight while the destroy runs, and one more after it resolved.
        const saves = Array.from({ length: 10 }, (_, i) => store.set(sid, session({ v: i + 1 }, { maxAge: 60_000 })));
        await store.destroy(sid);
        saves.push(store.set(sid, session({ v: 99 }, { maxAge: 60_000 })));
        await Promise.all(saves);
        expect(await store.get(sid)).toBeNull();
      }
    });

    it('a thousand sessions', async () => {
      const store = stores({ userId: (s) => s.userId as string | undefined });
      const sids = Array.from({ length: 1_000 }, (_, i) => `k${String(i).padStart(4, '0')}`);
      for (let i = 0; i < sids.length; i += 100) {
        await Promise.all(
          sids
            .slice(i, i + 100)
            .map((sid, j) => store.set(sid, session({ userId: `user${(i + j) % 10}` }, { maxAge: 600_000 }))),
        );
      }
      expect(await store.length()).toBe(1_000);
      expect((await store.ids()).sort()).toEqual(sids);
      const all = await store.all();
      expect(all.length).toBe(1_000);
      expect(new Set(all.map((s) => s.id)).size).toBe(1_000);
      expect(await store.destroyAllForUser('user3')).toBe(100);
      expect(await store.length()).toBe(900);
      await Promise.all(sids.slice(0, 50).map((sid) => store.destroy(sid)));
      expect(await store.length()).toBe(855); // 50 destroyed, 5 of them user3's already gone
      await store.clear();
      expect(await store.length()).toBe(0);
    });

    it('a cookie already in the past: the session is not stored, and a stored one is destroyed', async () => {
      const store = stores();
      const past = session({ userId: 'u' }, { expires: new Date(Date.now() - 1_000) });
      await store.set('late', past);
      expect(await cache.has('sess:late')).toBe(false);
      expect(await store.get('late')).toBeNull();

      await store.set('was-live', session({ userId: 'u' }, { maxAge: 60_000 }));
      await store.set('was-live', past);
      expect(await store.get('was-live')).toBeNull();
      await store.touch('was-live', session({}, { maxAge: 60_000 }));
      expect(await store.get('was-live')).toBeNull();
      expect(await store.length()).toBe(0);

      // With disableTTL nothing expires the entry, so reads check the cookie themselves.
      const keep = stores({ disableTTL: true });
      await cache.set('sess:stale', JSON.stringify({ cookie: { expires: new Date(Date.now() - 1).toISOString() } }));
      expect(await keep.get('stale')).toBeNull();
      expect(await keep.length()).toBe(0);
      expect(await keep.all()).toEqual([]);
    });

    it('userId: indexes by owner, follows an owner change, ignores anonymous sessions', async () => {
      const store = stores({ userId: (s) => s.userId as string | undefined });
      await store.set('anon', session({}, { maxAge: 60_000 }));
      await store.set('s', session({ userId: 'ann' }, { maxAge: 60_000 }));
      expect(await cache.getByIndex('sessions_by_user', 'ann')).toEqual(['sess:s']);
      await store.set('s', session({ userId: 'bo' }, { maxAge: 60_000 }));
      expect(await cache.getByIndex('sessions_by_user', 'ann')).toEqual([]);
      expect(await cache.getByIndex('sessions_by_user', 'bo')).toEqual(['sess:s']);
      expect(await store.destroyAllForUser('ann')).toBe(0);
      expect(await store.destroyAllForUser('bo')).toBe(1);
      expect(await store.get('anon')).not.toBeNull();
      await expect(stores().destroyAllForUser('bo')).rejects.toSatisfy((e) => isCacheError(e, 'INVALID_ARGUMENT'));
    });

    it('promise or callback, with errors going to the callback', async () => {
      const store = stores();
      const sess = session({ x: 1 }, { maxAge: 60_000 });
      await new Promise<void>((resolve, reject) => store.set('cb', sess, (err) => (err ? reject(err) : resolve())));
      const got = await new Promise((resolve, reject) => store.get('cb', (err, s) => (err ? reject(err) : resolve(s))));
      expect(got).toMatchObject({ x: 1 });
      expect(await new Promise((r) => store.length((_e, n) => r(n)))).toBe(1);
      expect(await new Promise((r) => store.all((_e, all) => r(all?.length)))).toBe(1);
      await new Promise<void>((r) => store.destroy('cb', () => r()));
      expect(await store.get('cb')).toBeNull();
      await cache.set('sess:corrupt', '{not json');
      const err = await new Promise((r) => store.get('corrupt', (e) => r(e)));
      expect(isCacheError(err, 'SERIALIZATION')).toBe(true);
    });
  });
}
