import { randomBytes } from 'node:crypto';
import { type CacheOp, createCache } from '@gocache/core';
import { redisProvider } from '@gocache/provider-redis/ioredis';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { Browser, startExpressApp } from '../test/apps.js';
import { describeHttpSuite } from '../test/http-suite.js';
import { describeLifecycle } from '../test/lifecycle-suite.js';
import { GocacheSessionStore, REVOKED } from './session-store.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
// Every key this file writes starts with this prefix; afterAll deletes exactly those.
const prefix = `sst${randomBytes(4).toString('hex')}`;

/** A connected client; rejects (failing the file, not skipping it) when Redis is unreachable. */
async function connect(): Promise<Redis> {
  const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2_000 });
  await c.connect();
  await c.ping();
  return c;
}

const client = await connect();
const otherClient = await connect(); // a second application instance
const provider = redisProvider({ client, prefix });
const otherProvider = redisProvider({ client: otherClient, prefix });

afterAll(async () => {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await client.unlink(...keys);
  } while (cursor !== '0');
  await provider.close();
  await otherProvider.close();
  client.disconnect();
  otherClient.disconnect();
});

const newName = () => `sessions-${randomBytes(4).toString('hex')}`;
const indexes = { sessions_by_user: 'sess:*' };

describeLifecycle('Redis provider', async () => {
  const cache = createCache<string>(provider, { name: newName(), indexes });
  return {
    cache,
    dispose: async () => {
      await cache.clear();
      await cache.close();
    },
  };
});

describeHttpSuite('Redis provider', async (ops: CacheOp[]) => {
  const cache = createCache<string>(provider, {
    name: newName(),
    indexes,
    middleware: [
      (ctx, next) => {
        ops.push(ctx.op);
        return next();
      },
    ],
  });
  return {
    cache,
    dispose: async () => {
      await cache.clear();
      await cache.close();
    },
  };
});

describe('two application instances on one Redis', () => {
  it('saves from one instance racing a destroy on the other: once destroy resolved, none brings it back', async () => {
    const name = newName();
    const cacheA = createCache<string>(provider, { name });
    const cacheB = createCache<string>(otherProvider, { name });
    const a = new GocacheSessionStore({ cache: cacheA });
    const b = new GocacheSessionStore({ cache: cacheB });
    const sess = (v: number) => ({ v, cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000) } });
    try {
      for (let round = 0; round < 30; round++) {
        const sid = `x-${round}`;
        await a.set(sid, sess(0) as never);
        const saves = Array.from({ length: 8 }, (_, i) => a.set(sid, sess(i + 1) as never));
        await b.destroy(sid);
        saves.push(a.set(sid, sess(99) as never), a.touch(sid, sess(99) as never));
        await Promise.all(saves);
        expect(await a.get(sid)).toBeNull();
        expect(await b.get(sid)).toBeNull();
      }
      expect(await a.length()).toBe(0);
    } finally {
      await cacheA.clear();
      await cacheA.close();
      await cacheB.close();
    }
  });

  it('a logout on one instance wins over a slow save on the other', async () => {
    const name = newName();
    const cacheA = createCache<string>(provider, { name, indexes });
    const cacheB = createCache<string>(otherProvider, { name, indexes });
    const userId = (s: { userId?: string }) => s.userId;
    const appA = await startExpressApp(new GocacheSessionStore({ cache: cacheA, userId }));
    const appB = await startExpressApp(new GocacheSessionStore({ cache: cacheB, userId }));
    try {
      const onA = new Browser(appA.url);
      await onA.request('POST', '/login?user=alice');
      const onB = new Browser(appB.url);
      onB.cookie = onA.cookie; // the load balancer sends the next requests to instance B
      expect((await onB.request('GET', '/me')).body.userId).toBe('alice');

      const slow = appA.holdSlow();
      const a = onA.request('POST', '/slow');
      await slow.entered;
      expect((await onB.request('POST', '/logout')).status).toBe(200);
      slow.release();
      expect((await a).status).toBe(200);

      const sid = decodeURIComponent(onB.cookie!.split('=')[1]!)
        .replace(/^s:/, '')
        .replace(/\.[^.]*$/, '');
      expect(await cacheA.get(`sess:${sid}`)).toBe(REVOKED);
      const replay = new Browser(appA.url);
      replay.cookie = onB.cookie;
      expect((await replay.request('GET', '/me')).body.userId).toBeNull();
    } finally {
      await appA.close();
      await appB.close();
      await cacheA.clear();
      await cacheA.close();
      await cacheB.close();
    }
  });
});
