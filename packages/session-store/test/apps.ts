import type { AddressInfo } from 'node:net';
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import express from 'express';
import session, { type Store } from 'express-session';
import Fastify from 'fastify';
import type { GocacheSessionStore } from '../src/session-store.js';

declare module 'express-session' {
  interface SessionData {
    userId?: string;
    note?: string;
  }
}

declare module 'fastify' {
  interface Session {
    userId?: string;
    note?: string;
  }
}

/** A test app on 127.0.0.1 with the same routes under express 5 and fastify 5. */
export interface TestApp {
  readonly url: string;
  readonly kind: 'express' | 'fastify';
  /**
   * `POST /slow` loads the session, sets `note`, then waits for `release()` before it responds
   * (and before the framework saves the session). `entered` resolves once the handler runs.
   */
  holdSlow(): { entered: Promise<void>; release: () => void };
  close(): Promise<void>;
}

export const COOKIE_MAX_AGE_MS = 3_600_000;
const SECRET = 'a test secret that is at least thirty-two characters long';

/**
 * Routes: `POST /login?user=` (regenerate, set userId), `GET /me` (reads only: express-session
 * then touches), `POST /note?text=` (modifies), `POST /slow` (see `holdSlow`), `POST /logout`,
 * `POST /logout-everywhere` (the store's `destroyAllForUser`).
 */
export async function startExpressApp(store: GocacheSessionStore | Store): Promise<TestApp> {
  const app = express();
  const gate = createGate();
  app.use(
    session({
      store: store as Store,
      secret: SECRET,
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: COOKIE_MAX_AGE_MS },
    }),
  );
  app.post('/login', (req, res, next) => {
    req.session.regenerate((err) => {
      if (err) return next(err);
      req.session.userId = String(req.query.user);
      res.json({ sid: req.sessionID });
    });
  });
  app.get('/me', (req, res) => {
    res.json({ sid: req.sessionID, userId: req.session.userId ?? null, note: req.session.note ?? null });
  });
  app.post('/note', (req, res) => {
    req.session.note = String(req.query.text);
    res.json({ ok: true });
  });
  app.post('/slow', async (req, res) => {
    req.session.note = 'written by the slow request';
    await gate.wait();
    res.json({ ok: true });
  });
  app.post('/logout', (req, res, next) => {
    req.session.destroy((err) => (err ? next(err) : res.json({ ok: true })));
  });
  app.post('/logout-everywhere', async (req, res) => {
    const destroyed = await (store as GocacheSessionStore).destroyAllForUser(req.session.userId!);
    res.json({ destroyed });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    kind: 'express',
    holdSlow: gate.hold,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** The same routes on fastify 5 with @fastify/cookie and @fastify/session (`rolling: false`). */
export async function startFastifyApp(store: GocacheSessionStore): Promise<TestApp> {
  const app = Fastify();
  const gate = createGate();
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    store,
    secret: SECRET,
    saveUninitialized: false,
    rolling: false,
    cookie: { secure: false, maxAge: COOKIE_MAX_AGE_MS },
  });
  app.post('/login', async (req) => {
    await req.session.regenerate();
    req.session.userId = String((req.query as { user: string }).user);
    return { sid: req.session.sessionId };
  });
  app.get('/me', async (req) => ({
    sid: req.session.sessionId,
    userId: req.session.userId ?? null,
    note: req.session.note ?? null,
  }));
  app.post('/note', async (req) => {
    req.session.note = String((req.query as { text: string }).text);
    return { ok: true };
  });
  app.post('/slow', async (req) => {
    req.session.note = 'written by the slow request';
    await gate.wait();
    return { ok: true };
  });
  app.post('/logout', async (req) => {
    await req.session.destroy();
    return { ok: true };
  });
  app.post('/logout-everywhere', async (req) => {
    const destroyed = await store.destroyAllForUser(req.session.userId!);
    return { destroyed };
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, kind: 'fastify', holdSlow: gate.hold, close: () => app.close() };
}

function createGate() {
  let waiting: { entered: () => void; released: Promise<void> } | undefined;
  return {
    hold() {
      let entered!: () => void;
      let release!: () => void;
      const enteredP = new Promise<void>((r) => {
        entered = r;
      });
      const released = new Promise<void>((r) => {
        release = r;
      });
      waiting = { entered, released };
      return { entered: enteredP, release };
    },
    async wait() {
      const w = waiting;
      if (w === undefined) return;
      waiting = undefined;
      w.entered();
      await w.released;
    },
  };
}

/** A browser, as far as one cookie goes: sends it back, keeps whatever the server sets. */
export class Browser {
  cookie: string | undefined;
  constructor(readonly baseUrl: string) {}

  async request(method: 'GET' | 'POST', path: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: this.cookie === undefined ? {} : { cookie: this.cookie },
    });
    for (const header of res.headers.getSetCookie()) {
      const pair = header.split(';', 1)[0]!;
      this.cookie = pair;
    }
    const text = await res.text();
    return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
  }

  /** Another browser that holds the same cookie (another tab or a replayed request). */
  clone(): Browser {
    const b = new Browser(this.baseUrl);
    b.cookie = this.cookie;
    return b;
  }
}
