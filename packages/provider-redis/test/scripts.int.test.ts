import { createCache } from '@gocache/core';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, describe, expect, it } from 'vitest';
import { redisProvider } from '../src/index.js';
import { startRedisServer } from '../src/testing/index.js';

// A private server: SCRIPT FLUSH must not touch the shared one.
const server = await startRedisServer();
const io = new Redis(server.url, { lazyConnect: true });
await io.connect();
const nr = createClient({ url: server.url });
nr.on('error', () => {});
await nr.connect();

afterAll(async () => {
  io.disconnect();
  nr.destroy();
  await server.stop();
});

describe('Lua scripts', () => {
  for (const [label, client] of [
    ['ioredis', io],
    ['node-redis', nr],
  ] as const) {
    it(`${label}: runs scripts by SHA and reloads them after SCRIPT FLUSH (NOSCRIPT)`, async () => {
      const evals = async () => Number((await io.info('commandstats')).match(/cmdstat_eval:calls=(\d+)/)?.[1] ?? 0);
      const c = createCache<number>(redisProvider({ client }), { name: `flush-${label}` });
      await c.set('a', 1);
      expect(await io.call('SCRIPT', 'FLUSH')).toBe('OK');
      const flushed = await evals();
      await c.set('b', 2); // EVALSHA answers NOSCRIPT; the store re-sends the script in full
      expect(await evals()).toBe(flushed + 1);
      await c.setMany({ c: 3, d: 4 }); // and in a pipeline
      expect(await c.update('a', (n) => (n ?? 0) + 1)).toBe(2);
      expect(await c.getMany(['a', 'b', 'c', 'd'])).toEqual(
        new Map([
          ['a', 2],
          ['b', 2],
          ['c', 3],
          ['d', 4],
        ]),
      );
      // Loaded again: later calls go by SHA.
      const before = await evals();
      await c.set('e', 5);
      expect(await evals()).toBe(before);
      await c.clear();
      await c.close();
    });
  }
});
