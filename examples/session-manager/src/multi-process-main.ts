// Multi-process mode: three processes share sessions through tiered caches (process memory in
// front of Redis, an invalidation bus between them), and a logout everywhere done in one process
// reaches the others' next reads. Needs Redis: REDIS_URL (default redis://127.0.0.1:6379).
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type Cache, createCache } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';
import { redisBus, redisProvider } from '@gocache/provider-redis/ioredis';
import { tieredProvider } from '@gocache/tiered';
import { Redis } from 'ioredis';
import { createClaims } from './claims.ts';
import { BY_USER, createSessionStore, type Session, sessionKey } from './session-store.ts';

const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const CHILDREN = 2;
/** How long a process may take to see the logout once the logout returned (bus delivery). */
const DELIVERY_BOUND_MS = 1_000;

/** One process's sessions cache: L1 in its memory, L2 and the bus on Redis (its own client). */
async function openTiered(name: string, prefix: string) {
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const bus = redisBus({ client });
  const provider = tieredProvider({ l1: memoryProvider(), l2: redisProvider({ client, prefix }), bus, l1Ttl: '30s' });
  const cache: Cache<Session> = createCache<Session>(provider, {
    name,
    ttl: '1h',
    indexes: { [BY_USER]: 'session:*' },
  });
  await bus.ready(5_000);
  return {
    cache,
    async close() {
      await cache.close();
      await provider.close();
      await client.quit();
    },
  };
}

type Request =
  | { kind: 'read'; ids: string[] }
  | { kind: 'await-gone'; gone: string[]; kept: string[] }
  | { kind: 'exit' };

/** A child process: answers the parent's requests with reads of its own tiered cache. */
async function child(name: string, prefix: string): Promise<void> {
  const { cache, close } = await openTiered(name, prefix);
  const read = async (ids: string[]) =>
    (await Promise.all(ids.map((id) => cache.get(sessionKey(id))))).filter(Boolean).length;
  process.on('message', async (req: Request) => {
    if (req.kind === 'read') process.send!({ found: await read(req.ids), again: await read(req.ids) });
    else if (req.kind === 'await-gone') {
      const t0 = performance.now();
      let left = await read(req.gone);
      while (left > 0 && performance.now() - t0 < DELIVERY_BOUND_MS) left = await read(req.gone);
      process.send!({ left, ms: performance.now() - t0, kept: await read(req.kept) });
    } else {
      await close();
      process.exit(0);
    }
  });
  process.send!({ ready: true });
}

function ask<R>(p: ReturnType<typeof fork>, req: Request): Promise<R> {
  return new Promise((resolve) => {
    p.once('message', (m) => resolve(m as R));
    p.send(req);
  });
}

async function parent(): Promise<void> {
  const started = performance.now();
  const name = `sessions-mp-${randomUUID().slice(0, 8)}`;
  const prefix = 'gocache-demo';
  console.log(
    `gocache session-manager demo, multi-process mode: ${CHILDREN + 1} processes, tiered caches on ${redisUrl}`,
  );
  const me = await openTiered(name, prefix);
  const store = createSessionStore(me.cache);
  const kids = Array.from({ length: CHILDREN }, () =>
    fork(fileURLToPath(import.meta.url), ['child', name, prefix], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  await Promise.all(kids.map((k) => new Promise((r) => k.once('message', r))));
  const claims = createClaims();
  try {
    const alice = await Promise.all([1, 2, 3].map(() => store.open('alice')));
    const bob = await store.open('bob');
    const all = [...alice.map((s) => s.id), bob.id];
    const reads = await Promise.all(
      kids.map((k) => ask<{ found: number; again: number }>(k, { kind: 'read', ids: all })),
    );
    claims.check(
      'every process reads the sessions another process created',
      reads.every((r) => r.found === 4 && r.again === 4),
      reads.map((r, i) => `process ${i + 2}: ${r.found}/4, then ${r.again}/4 from its memory`).join('; '),
    );
    const revoked = await store.revokeAll('alice');
    claims.check('logout everywhere revokes the user’s 3 sessions', revoked === 3, `revoked ${revoked}`);
    const seen = await Promise.all(
      kids.map((k) =>
        ask<{ left: number; ms: number; kept: number }>(k, {
          kind: 'await-gone',
          gone: alice.map((s) => s.id),
          kept: [bob.id],
        }),
      ),
    );
    claims.check(
      `every process stops serving the revoked sessions once the bus delivered (within ${DELIVERY_BOUND_MS} ms)`,
      seen.every((s) => s.left === 0),
      seen.map((s, i) => `process ${i + 2}: ${s.left} left after ${s.ms.toFixed(1)} ms`).join('; '),
    );
    claims.check(
      'another user’s session is untouched in every process',
      seen.every((s) => s.kept === 1) && (await store.get(bob.id)) !== undefined,
      seen.map((s, i) => `process ${i + 2}: bob's session readable ${s.kept}/1`).join('; '),
    );
  } finally {
    await Promise.all(kids.map((k) => new Promise((r) => k.once('exit', r).send({ kind: 'exit' }))));
    await me.cache.clear();
    await me.close();
  }
  claims.finish(started);
}

if (process.argv[2] === 'child') await child(process.argv[3]!, process.argv[4]!);
else await parent();
