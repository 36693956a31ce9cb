import { setTimeout as sleep } from 'node:timers/promises';
import type { Cache, CacheOp } from '@gocache/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GocacheSessionStore, REVOKED } from '../src/session-store.js';
import { Browser, COOKIE_MAX_AGE_MS, startExpressApp, startFastifyApp, type TestApp } from './apps.js';

/** A fresh cache per test, declared with the `sessions_by_user` index; `ops` records every operation. */
export type MakeCache = (ops: CacheOp[]) => Promise<{ cache: Cache<string>; dispose: () => Promise<void> }>;

/** Sid from a signed session cookie (`connect.sid=s%3A<sid>.<sig>` or `sessionId=<sid>.<sig>`). */
function sidOf(cookie: string | undefined): string {
  const value = decodeURIComponent(cookie!.split('=')[1]!);
  return value.replace(/^s:/, '').replace(/\.[^.]*$/, '');
}

/**
 * The HTTP behaviour a connect-redis user relies on, over a real express 5 app and a real fastify
 * app on 127.0.0.1 with Node's fetch, plus the logout race. Run once per provider.
 */
export function describeHttpSuite(providerLabel: string, makeCache: MakeCache): void {
  for (const kind of ['express', 'fastify'] as const) {
    describe(`${kind} on the ${providerLabel}`, () => {
      let cache: Cache<string>;
      let dispose: () => Promise<void>;
      let store: GocacheSessionStore;
      let app: TestApp;
      let ops: CacheOp[];

      beforeEach(async () => {
        ops = [];
        ({ cache, dispose } = await makeCache(ops));
        store = new GocacheSessionStore({ cache, userId: (s) => s.userId });
        app = kind === 'express' ? await startExpressApp(store) : await startFastifyApp(store);
      });
      afterEach(async () => {
        await app.close();
        await dispose();
      });

      it('login creates a session, the cookie round-trips, logout removes it', async () => {
        const browser = new Browser(app.url);
        const login = await browser.request('POST', '/login?user=alice');
        expect(login.status).toBe(200);
        expect(browser.cookie).toBeDefined();
        const sid = sidOf(browser.cookie);
        expect(login.body.sid).toBe(sid);
        expect(await store.get(sid)).toMatchObject({ userId: 'alice' });
        expect(await cache.getByIndex('sessions_by_user', 'alice')).toEqual([`sess:${sid}`]);

        expect((await browser.request('POST', '/note?text=hello')).status).toBe(200);
        const me = await browser.request('GET', '/me');
        expect(me.body).toEqual({ sid, userId: 'alice', note: 'hello' });
        // Stored as plain data: the cookie's fields survive as JSON, expires as an ISO string.
        const stored = JSON.parse((await cache.get(`sess:${sid}`))!) as { cookie: Record<string, unknown> };
        expect(stored.cookie.originalMaxAge).toBe(COOKIE_MAX_AGE_MS);
        expect(typeof stored.cookie.expires).toBe('string');
        expect(stored.cookie.httpOnly).toBe(true);
        expect(stored.cookie.path).toBe('/');
        // The entry lives as long as the cookie says.
        const expiresAt = (await cache.getMetadata(`sess:${sid}`))!.expiresAt!;
        expect(Math.abs(expiresAt - Date.parse(stored.cookie.expires as string))).toBeLessThan(1_000);
        expect(Math.abs(expiresAt - (Date.now() + COOKIE_MAX_AGE_MS))).toBeLessThan(2_000);

        expect((await browser.request('POST', '/logout')).status).toBe(200);
        expect(await store.get(sid)).toBeNull();
        expect(await store.length()).toBe(0);
        const after = await browser.clone().request('GET', '/me');
        expect(after.body.userId).toBeNull();
        expect(after.body.sid).not.toBe(sid);
      });

      if (kind === 'express') {
        it('a request that changes nothing touches: a new expiry, the data not rewritten', async () => {
          const browser = new Browser(app.url);
          await browser.request('POST', '/login?user=alice');
          const key = `sess:${sidOf(browser.cookie)}`;
          const before = await cache.getMetadata(key);
          const text = await cache.get(key);
          await sleep(30);
          ops.length = 0;
          expect((await browser.request('GET', '/me')).body.userId).toBe('alice');
          expect(ops).toEqual(['get', 'touch']); // one read, one touch: no set, no update
          const after = await cache.getMetadata(key);
          expect(after!.expiresAt!).toBeGreaterThanOrEqual(before!.expiresAt! + 25);
          expect(after!.expiresAt!).toBeLessThanOrEqual(Date.now() + COOKIE_MAX_AGE_MS);
          expect(await cache.get(key)).toBe(text);
        });
      }

      it('logout everywhere removes every session of the user and no other', async () => {
        const devices = [new Browser(app.url), new Browser(app.url), new Browser(app.url)];
        for (const d of devices) await d.request('POST', '/login?user=alice');
        const bob = new Browser(app.url);
        await bob.request('POST', '/login?user=bob');
        expect(await store.length()).toBe(4);
        expect((await cache.getByIndex('sessions_by_user', 'alice')).length).toBe(3);

        const res = await devices[0]!.request('POST', '/logout-everywhere');
        expect(res.body).toEqual({ destroyed: 3 });
        for (const d of devices) expect((await d.clone().request('GET', '/me')).body.userId).toBeNull();
        expect((await bob.request('GET', '/me')).body.userId).toBe('bob');
        expect(await store.ids()).toEqual([sidOf(bob.cookie)]);
        expect(await store.destroyAllForUser('alice')).toBe(0);
      });

      it('a logout wins over a concurrent request that saves the session after it', async () => {
        const browser = new Browser(app.url);
        await browser.request('POST', '/login?user=alice');
        const sid = sidOf(browser.cookie);
        const oldCookie = browser.clone();

        // A: loads the session, changes it, and is held before the framework saves it.
        const slow = app.holdSlow();
        const a = oldCookie.clone().request('POST', '/slow');
        await slow.entered;
        // B: logs out, to completion.
        expect((await browser.clone().request('POST', '/logout')).status).toBe(200);
        expect(await store.get(sid)).toBeNull();
        ops.length = 0;
        // A finishes and its framework calls store.set for the destroyed session.
        slow.release();
        expect((await a).status).toBe(200);

        expect(ops).toContain('update'); // A's save did reach the store
        expect(await store.get(sid)).toBeNull();
        expect(await cache.get(`sess:${sid}`)).toBe(REVOKED);
        expect(await store.length()).toBe(0);
        const replay = await oldCookie.clone().request('GET', '/me');
        expect(replay.body.userId).toBeNull();
        expect(replay.body.note).toBeNull();
      });

      it('a logout everywhere wins over a concurrent save of one of those sessions', async () => {
        const phone = new Browser(app.url);
        const laptop = new Browser(app.url);
        await phone.request('POST', '/login?user=alice');
        await laptop.request('POST', '/login?user=alice');

        const slow = app.holdSlow();
        const a = phone.clone().request('POST', '/slow');
        await slow.entered;
        expect((await laptop.request('POST', '/logout-everywhere')).body).toEqual({ destroyed: 2 });
        slow.release();
        expect((await a).status).toBe(200);

        expect(await store.length()).toBe(0);
        expect((await phone.clone().request('GET', '/me')).body.userId).toBeNull();
      });

      if (kind === 'express') {
        it('a logout wins over a concurrent touch (a read-only request that ends after it)', async () => {
          const browser = new Browser(app.url);
          await browser.request('POST', '/login?user=alice');
          const sid = sidOf(browser.cookie);
          // GET /me changes nothing, so express-session ends it with store.touch.
          let touched = 0;
          const touch = store.touch.bind(store);
          const gate = Promise.withResolvers<void>();
          const entered = Promise.withResolvers<void>();
          store.touch = ((id: string, sess: never, cb: never) => {
            touched++;
            entered.resolve();
            gate.promise.then(() => touch(id, sess, cb));
          }) as typeof store.touch;
          const a = browser.clone().request('GET', '/me');
          await entered.promise;
          await browser.clone().request('POST', '/logout');
          gate.resolve();
          expect((await a).status).toBe(200);
          expect(touched).toBe(1);
          expect(await store.get(sid)).toBeNull();
          expect(await cache.get(`sess:${sid}`)).toBe(REVOKED);
        });
      }
    });
  }
}
