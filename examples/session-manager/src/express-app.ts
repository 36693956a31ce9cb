import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GocacheSessionStore } from '@gocache/session-store';
import express from 'express';
import session from 'express-session';

declare module 'express-session' {
  interface SessionData {
    userId?: string;
    note?: string;
  }
}

/** A running express 5 app whose sessions live in a `GocacheSessionStore`. */
export interface ExpressDemoApp {
  readonly url: string;
  /** The next `POST /slow` waits for `release()` after changing its session; `entered` resolves when it runs. */
  holdSlow(): { entered: Promise<void>; release: () => void };
  close(): Promise<void>;
}

/**
 * The routes an auth service has: login (a new session id, then the user), `GET /me` (reads only,
 * so express-session touches), `POST /slow` (changes the session, answers late), logout, and
 * logout everywhere through `destroyAllForUser`.
 */
export async function startExpressApp(store: GocacheSessionStore, cookieMaxAgeMs: number): Promise<ExpressDemoApp> {
  let held: { entered: () => void; released: Promise<void> } | undefined;
  const app = express();
  app.use(
    session({
      store,
      secret: 'session-manager demo secret',
      resave: false, // unchanged sessions are touched, not rewritten
      saveUninitialized: false,
      cookie: { maxAge: cookieMaxAgeMs },
    }),
  );
  app.post('/login', (req, res, next) => {
    req.session.regenerate((err) => {
      if (err) return next(err);
      req.session.userId = String(req.query.user);
      res.json({ userId: req.session.userId });
    });
  });
  app.get('/me', (req, res) => {
    res.json({ userId: req.session.userId ?? null, note: req.session.note ?? null });
  });
  app.post('/slow', async (req, res) => {
    req.session.note = 'written by a request that started before the logout';
    const h = held;
    held = undefined;
    if (h !== undefined) {
      h.entered();
      await h.released;
    }
    res.json({ ok: true });
  });
  app.post('/logout', (req, res, next) => {
    req.session.destroy((err) => (err ? next(err) : res.json({ ok: true })));
  });
  app.post('/logout-everywhere', async (req, res) => {
    res.json({ destroyed: await store.destroyAllForUser(req.session.userId ?? '') });
  });

  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    holdSlow() {
      const entered = Promise.withResolvers<void>();
      const released = Promise.withResolvers<void>();
      held = { entered: entered.resolve, released: released.promise };
      return { entered: entered.promise, release: () => released.resolve() };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** A browser as far as one cookie goes. `withCookie` is another tab (or device) sharing it. */
export class Browser {
  readonly url: string;
  cookie: string | undefined;

  constructor(url: string, cookie?: string) {
    this.url = url;
    this.cookie = cookie;
  }

  async call(method: 'GET' | 'POST', path: string): Promise<Record<string, unknown>> {
    const res = await fetch(this.url + path, { method, headers: this.cookie ? { cookie: this.cookie } : {} });
    const set = res.headers.getSetCookie()[0];
    if (set !== undefined) this.cookie = set.split(';', 1)[0];
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}`);
    return (await res.json()) as Record<string, unknown>;
  }

  withCookie(): Browser {
    return new Browser(this.url, this.cookie);
  }
}
