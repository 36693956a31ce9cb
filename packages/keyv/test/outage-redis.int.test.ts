import { createServer } from 'node:net';
import { type CacheError, createCache, isCacheError } from '@gocache/core';
import { redisProvider } from '@gocache/provider-redis/ioredis';
import { createCache as createCacheManager } from 'cache-manager';
import { Redis } from 'ioredis';
import { Keyv } from 'keyv';
import { afterAll, expect, it } from 'vitest';
import { KeyvGocache } from '../src/index.js';

/** A loopback port nobody listens on: bound by the OS, then released. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const client = new Redis({ host: '127.0.0.1', port: await deadPort(), lazyConnect: true, maxRetriesPerRequest: 0 });
client.on('error', () => {}); // connection refusals; the cache reports them per call
const cache = createCache<unknown>(redisProvider({ client, commandTimeout: 300 }), { name: 'keyv-outage' });
afterAll(async () => {
  await cache.close();
  client.disconnect();
});

it('a Redis that is down is an error event and, with throwOnErrors, a rejection; never just a miss', async () => {
  const errors: unknown[] = [];
  const keyv = new Keyv({ store: new KeyvGocache(cache) });
  keyv.on('error', (e) => errors.push(e));
  expect(await keyv.get('k')).toBeUndefined();
  expect(errors).toHaveLength(1);
  expect(isCacheError(errors[0], 'UNAVAILABLE')).toBe(true);
  expect((errors[0] as CacheError).message).toMatch(/Redis is unreachable/);

  keyv.throwOnErrors = true;
  await expect(keyv.get('k')).rejects.toSatisfy((e) => isCacheError(e, 'UNAVAILABLE'));
  expect(errors).toHaveLength(2);
});

it("cache-manager over a Keyv with throwOnErrors: the outage reaches cache-manager's 'get' event, and set rejects", async () => {
  const keyv = new Keyv({ store: new KeyvGocache(cache), throwOnErrors: true });
  const keyvErrors: unknown[] = [];
  keyv.on('error', (e) => keyvErrors.push(e));
  const cm = createCacheManager({ stores: [keyv] });
  const events: { error?: unknown }[] = [];
  cm.on('get', (e: { error?: unknown }) => events.push(e));
  // cache-manager's get catches a store's rejection, emits it as a 'get' event and answers undefined.
  expect(await cm.get('k')).toBeUndefined();
  expect(events).toHaveLength(1);
  expect(isCacheError(events[0]?.error, 'UNAVAILABLE')).toBe(true);
  expect(keyvErrors).toHaveLength(1);
  await expect(cm.set('k', 1)).rejects.toSatisfy((e) => isCacheError(e));
  // wrap swallows read errors itself (cache-manager's choice); the write after the load rejects.
  await expect(cm.wrap('w', async () => 1)).rejects.toSatisfy((e) => isCacheError(e));
});
