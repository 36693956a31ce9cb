import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createInProcessMetrics, createManager } from '@gocache/core';
import { openBackend } from './backend.ts';
import { createClaims } from './claims.ts';
import { printMetricsReport } from './report.ts';
import { BY_USER, createSessionStore, type Session, sessionKey } from './session-store.ts';

// A session store as an auth service writes it, checked claim by claim. Exit code 0 only if every
// claim held. Memory by default; `REDIS_URL=redis://127.0.0.1:6379` runs the same script on Redis.

const backend = await openBackend(process.env.REDIS_URL).catch((err: unknown) => {
  console.error(
    `✖ could not open the backend (${err instanceof Error ? err.message : String(err)}); is REDIS_URL right?`,
  );
  process.exit(1);
});
const metrics = createInProcessMetrics();
const manager = createManager({ providers: { sessions: backend.provider }, metrics });
// A random suffix keeps runs apart on a shared Redis; the demo clears its own namespace at the end.
const cacheName = `sessions-demo-${randomBytes(4).toString('hex')}`;
const cache = manager.newCache<Session>('sessions', {
  name: cacheName,
  ttl: '24h',
  cleanupInterval: '1s',
  indexes: { [BY_USER]: 'session:*' },
});
const store = createSessionStore(cache);
const claims = createClaims();
const started = performance.now();
console.log(`gocache session-manager demo on the ${backend.label} (cache "${cacheName}")\n`);

try {
  console.log('1. Logins create sessions with getOrSet and index them by user');
  const alice = await Promise.all([store.open('alice'), store.open('alice'), store.open('alice')]);
  const bob = await Promise.all([store.open('bob'), store.open('bob')]);
  const retried = await store.open('alice', (alice[0] as Session).id);
  claims.check(
    'a retried login returns the existing session instead of minting a new one',
    retried.createdAt === (alice[0] as Session).createdAt && retried.id === (alice[0] as Session).id,
    `session ${retried.id.slice(0, 8)}… created at ${retried.createdAt}`,
  );
  const aliceKeys = new Set(await store.list('alice'));
  const bobKeys = new Set(await store.list('bob'));
  claims.check(
    "each user's index lists exactly that user's sessions",
    aliceKeys.size === 3 &&
      bobKeys.size === 2 &&
      alice.every((s) => aliceKeys.has(sessionKey(s.id))) &&
      bob.every((s) => bobKeys.has(sessionKey(s.id))),
    `alice: ${aliceKeys.size} sessions, bob: ${bobKeys.size} sessions`,
  );

  console.log('\n2. 1,000 concurrent requests touch one session through update');
  const target = alice[0] as Session;
  await Promise.all(Array.from({ length: 1000 }, () => store.touch(target.id)));
  const touched = await store.get(target.id);
  claims.check(
    'no touch is lost: the counter ends at exactly 1,000',
    touched?.touches === 1000,
    `touches = ${touched?.touches ?? 'session missing'}`,
  );

  console.log('\n3. A stampede: 1,000 concurrent getOrSet calls for one missing key');
  let loads = 0;
  const profileKey = `session:stampede-${randomBytes(3).toString('hex')}`;
  const stampede = await Promise.all(
    Array.from({ length: 1000 }, () =>
      cache.getOrSet(profileKey, async () => {
        loads++;
        await sleep(50); // a slow backend: every caller arrives while the first load is in flight
        return { id: 'stampede', userId: 'carol', createdAt: Date.now(), lastSeenAt: Date.now(), touches: 0 };
      }),
    ),
  );
  claims.check(
    'one loader call serves all 1,000 callers, and they all get the same session',
    loads === 1 && stampede.every((s) => s.createdAt === (stampede[0] as Session).createdAt),
    `loader calls = ${loads}, callers served = ${stampede.length}`,
  );

  console.log('\n4. Revoke all of alice’s sessions (logout everywhere) with deleteByIndex');
  const revoked = await store.revokeAll('alice');
  const aliceLeft = await Promise.all(alice.map((s) => store.get(s.id)));
  const bobLeft = await Promise.all(bob.map((s) => store.get(s.id)));
  claims.check(
    'every alice session is gone, from reads and from the index',
    revoked === 3 && aliceLeft.every((s) => s === undefined) && (await store.list('alice')).length === 0,
    `revoked ${revoked}, readable afterwards ${aliceLeft.filter(Boolean).length}`,
  );
  claims.check(
    "bob's sessions are untouched",
    bobLeft.every((s) => s !== undefined) && (await store.list('bob')).length === 2,
    `bob still has ${bobLeft.filter(Boolean).length} sessions`,
  );

  console.log('\n5. A short-lived session expires on its own');
  const short = await store.open('dave', undefined, '300ms');
  const before = await store.get(short.id);
  await sleep(450);
  const after = await store.get(short.id);
  const daveIndex = await store.list('dave');
  claims.check(
    'readable before its 300 ms TTL, gone after it — from reads and from the index',
    before !== undefined && after === undefined && daveIndex.length === 0,
    `before: ${before ? 'present' : 'missing'}, after 450 ms: ${after ? 'present' : 'gone'}, index: ${daveIndex.length} keys`,
  );

  console.log('\n6. What the metrics saw');
  printMetricsReport(metrics);
  const ops = metrics.snapshot().operations;
  claims.check(
    'the metrics counted every update and getOrSet call, with latency percentiles',
    (ops.update?.ok ?? 0) === 1000 && (ops.getOrSet?.ok ?? 0) >= 1006 && (ops.update?.latency.p99 ?? 0) > 0,
    `update ok = ${ops.update?.ok ?? 0}, getOrSet ok = ${ops.getOrSet?.ok ?? 0}, update p99 = ${(ops.update?.latency.p99 ?? 0).toFixed(2)} ms`,
  );
} catch (err) {
  claims.check('the demo ran to the end', false, err instanceof Error ? `${err.name}: ${err.message}` : String(err));
} finally {
  await cache.clear().catch(() => {});
  await manager.close();
  await backend.close();
}

claims.finish(started);
