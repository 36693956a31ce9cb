import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createManager } from '@gocache/core';
import { GocacheSessionStore } from '@gocache/session-store';
import { openBackend } from './backend.ts';
import { createClaims } from './claims.ts';
import { Browser, startExpressApp } from './express-app.ts';

// Express mode: a real express 5 app on 127.0.0.1 whose sessions live in @gocache/session-store,
// driven over HTTP with Node's fetch and checked claim by claim. Exit code 0 only if every claim
// held. Memory by default; `REDIS_URL=redis://127.0.0.1:6379` runs it on Redis.

const COOKIE_MAX_AGE_MS = 3_600_000;
const backend = await openBackend(process.env.REDIS_URL).catch((err: unknown) => {
  console.error(
    `✖ could not open the backend (${err instanceof Error ? err.message : String(err)}); is REDIS_URL right?`,
  );
  process.exit(1);
});
const manager = createManager({ providers: { sessions: backend.provider } });
const cacheName = `express-sessions-demo-${randomBytes(4).toString('hex')}`;
// Every cache operation the store performs, to show what a request costs.
const ops: string[] = [];
const cache = manager.newCache<string>('sessions', {
  name: cacheName,
  indexes: { sessions_by_user: 'sess:*' },
  middleware: [
    (ctx, next) => {
      ops.push(ctx.op);
      return next();
    },
  ],
});
const store = new GocacheSessionStore({ cache, userId: (s) => s.userId });
const app = await startExpressApp(store, COOKIE_MAX_AGE_MS);
const claims = createClaims();
const started = performance.now();
const sidOf = (b: Browser) => decodeURIComponent(b.cookie?.split('=')[1] ?? '').replace(/^s:|\.[^.]*$/g, '');
console.log(`gocache session-manager demo, express mode, on the ${backend.label} (cache "${cacheName}")\n`);

try {
  console.log('1. Login over HTTP creates a session; the cookie round-trips');
  const alice = new Browser(app.url);
  await alice.call('POST', '/login?user=alice');
  const me = await alice.call('GET', '/me');
  claims.check(
    'the session cookie brings the session back on the next request',
    me.userId === 'alice' && (await store.length()) === 1,
    `GET /me → userId ${String(me.userId)}, sessions stored: ${await store.length()}`,
  );

  console.log('\n2. A request that changes nothing touches the session');
  const key = `sess:${sidOf(alice)}`;
  const before = await cache.getMetadata(key);
  await sleep(20);
  ops.length = 0;
  await alice.call('GET', '/me');
  const seen = [...ops];
  const after = await cache.getMetadata(key);
  const moved = (after?.expiresAt ?? 0) - (before?.expiresAt ?? 0);
  claims.check(
    'one get and one touch: a later expiry, no save of the session data',
    seen.join(',') === 'get,touch' && moved >= 15,
    `cache operations: ${seen.join(', ')}; expiry moved ${moved} ms later`,
  );

  console.log('\n3. A logout wins over a slower request that saves the session after it');
  const slow = app.holdSlow();
  const late = alice.withCookie().call('POST', '/slow'); // loads the session, changes it, waits
  await slow.entered;
  await alice.withCookie().call('POST', '/logout');
  ops.length = 0;
  slow.release();
  await late; // express-session now calls store.set for the logged-out session
  const lateSave = ops.includes('update');
  const replay = await alice.withCookie().call('GET', '/me');
  claims.check(
    'the late save reached the store, and the old cookie still has no session',
    lateSave && replay.userId === null && replay.note === null && (await store.get(sidOf(alice))) === null,
    `late save attempted: ${lateSave}; GET /me with the old cookie → userId ${String(replay.userId)}, note ${String(replay.note)}`,
  );

  console.log('\n4. Logout everywhere');
  const devices = [new Browser(app.url), new Browser(app.url), new Browser(app.url)];
  for (const d of devices) await d.call('POST', '/login?user=carol');
  const bob = new Browser(app.url);
  await bob.call('POST', '/login?user=bob');
  const { destroyed } = await (devices[0] as Browser).call('POST', '/logout-everywhere');
  const left = await Promise.all(devices.map((d) => d.withCookie().call('GET', '/me')));
  const bobMe = await bob.call('GET', '/me');
  claims.check(
    "every session of the user is gone, and other users' are untouched",
    destroyed === 3 && left.every((r) => r.userId === null) && bobMe.userId === 'bob',
    `destroyed ${String(destroyed)}, still logged in: ${left.filter((r) => r.userId !== null).length}, bob: ${String(bobMe.userId)}`,
  );
} catch (err) {
  claims.check('the demo ran to the end', false, err instanceof Error ? `${err.name}: ${err.message}` : String(err));
} finally {
  await app.close();
  await cache.clear().catch(() => {});
  await manager.close();
  await backend.close();
}

claims.finish(started);
