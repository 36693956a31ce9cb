import { setTimeout as sleep } from 'node:timers/promises';
import { createCache, isCacheError } from '@gocache/core';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, describe, expect, it } from 'vitest';
import { redisProvider } from '../src/index.js';
import { findFreePort } from '../src/testing/free-port.js';
import { type RedisServer, startRedisServer } from '../src/testing/redis-server.js';

const COMMAND_TIMEOUT = 2000;
/** "At once": far under commandTimeout, with room for a loaded CI machine. */
const FAST_MS = 100;

const servers: RedisServer[] = [];
afterAll(async () => {
  for (const s of servers) if (s.running) await s.stop();
});

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = performance.now() + ms;
  while (!(await cond())) {
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** A client of one library, as an application makes it, with what the test needs to watch it. */
interface Kit {
  client: unknown;
  ready: () => boolean;
  close: () => void;
}

const kits = {
  ioredis: async (port: number, connect: boolean): Promise<Kit> => {
    const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true });
    client.on('error', () => {}); // an application's listener; the provider adds none
    if (connect) await client.connect();
    else void client.connect().catch(() => {}); // created while Redis is down: keeps retrying
    return { client, ready: () => client.status === 'ready', close: () => client.disconnect() };
  },
  'node-redis': async (port: number, connect: boolean): Promise<Kit> => {
    const client = createClient({ socket: { host: '127.0.0.1', port } });
    client.on('error', () => {});
    if (connect) await client.connect();
    else void client.connect().catch(() => {});
    return { client, ready: () => client.isReady, close: () => client.destroy() };
  },
};

/** Six calls in a row: each rejects with UNAVAILABLE at once (no 2 s TIMEOUT before the breaker opens). */
async function failsFast(cache: ReturnType<typeof createCache<number>>): Promise<string[]> {
  const messages: string[] = [];
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    const e = await (i % 2 === 0 ? cache.get('k') : cache.set('k', i)).catch((x: unknown) => x);
    const ms = performance.now() - t0;
    expect(isCacheError(e, 'UNAVAILABLE'), `call ${i}: ${String(e)}`).toBe(true);
    expect(ms, `call ${i} took ${ms.toFixed(1)} ms`).toBeLessThan(FAST_MS);
    messages.push((e as Error).message);
  }
  return messages;
}

for (const [label, makeKit] of Object.entries(kits)) {
  describe(`the client reports no connection (${label})`, () => {
    it('a stopped server: the first call after the client notices rejects with UNAVAILABLE at once; recovery when it is back', async () => {
      const server = await startRedisServer();
      servers.push(server);
      const kit = await makeKit(server.port, true);
      const cache = createCache<number>(redisProvider({ client: kit.client, commandTimeout: COMMAND_TIMEOUT }), {
        name: `down-${label}`,
      });
      await cache.set('k', 1);
      await server.stop(); // by PID
      await until(() => !kit.ready(), 5000, 'the client to notice');
      const messages = await failsFast(cache);
      expect(messages[0]).toMatch(/client reports no connection to Redis/);
      await server.restart();
      // The restarted server is empty (no persistence): recovered once a call succeeds.
      await until(
        async () =>
          cache.get('k').then(
            () => true,
            () => false,
          ),
        15_000,
        'recovery',
      );
      await cache.set('k', 2);
      expect(await cache.get('k')).toBe(2);
      await cache.close();
      kit.close();
      await server.stop();
    });

    it('a client made while Redis is down fails fast, and works once Redis starts', async () => {
      const port = await findFreePort();
      const kit = await makeKit(port, false);
      const cache = createCache<number>(redisProvider({ client: kit.client, commandTimeout: COMMAND_TIMEOUT }), {
        name: `never-${label}`,
      });
      if (label === 'ioredis') {
        // ioredis queues while its first attempt runs; once that failed it reports it.
        await until(() => (kit.client as Redis).status === 'reconnecting', 5000, 'the first attempt to fail');
      }
      await failsFast(cache);
      const server = await startRedisServer({ port });
      servers.push(server);
      await until(
        async () =>
          await cache.set('k', 7).then(
            () => true,
            () => false,
          ),
        15_000,
        'recovery',
      );
      expect(await cache.get('k')).toBe(7);
      await cache.close();
      kit.close();
      await server.stop();
    });
  });
}
