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
/** What a dead Redis gives: connection refused (UNAVAILABLE), or no answer while ioredis reconnects (TIMEOUT). */
const outage = (e: unknown) => isCacheError(e, 'UNAVAILABLE') || isCacheError(e, 'TIMEOUT');

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
  expect(outage(errors[0]), String(errors[0])).toBe(true);
  expect((errors[0] as CacheError).message).toMatch(/Redis (is unreachable|did not answer)/);

  keyv.throwOnErrors = true;
  await expect(keyv.get('k')).rejects.toSatisfy(outage);
  expect(errors).toHaveLength(2);
});

it('cache-manager over a Keyv with throwOnErrors: reads report the outage in their events, writes reject', async () => {
  const keyv = new Keyv({ store: new KeyvGocache(cache), throwOnErrors: true });
  const keyvErrors: unknown[] = [];
  keyv.on('error', (e) => keyvErrors.push(e));
  const cm = createCacheManager({ stores: [keyv] });
  const events: Record<string, unknown[]> = { get: [], mget: [], ttl: [] };
  for (const name of ['get', 'mget', 'ttl']) {
    // 'ttl' is emitted but missing from cache-manager's Events type.
    cm.on(name as 'get', (e: { error?: unknown }) => {
      if (e.error !== undefined) events[name]!.push(e.error);
    });
  }
  // cache-manager's reads catch a store's rejection, emit it in their event and answer "nothing".
  expect(await cm.get('k')).toBeUndefined();
  expect(await cm.mget(['a', 'b'])).toEqual([undefined, undefined]);
  expect(await cm.ttl('k')).toBeUndefined();
  for (const name of ['get', 'mget', 'ttl']) {
    expect(events[name], name).toHaveLength(1);
    expect(outage(events[name]![0]), `${name}: ${String(events[name]![0])}`).toBe(true);
  }
  expect(keyvErrors).toHaveLength(3);
  await expect(cm.set('k', 1)).rejects.toSatisfy(outage);
  await expect(cm.mset([{ key: 'k', value: 1 }])).rejects.toSatisfy(outage);
  await expect(cm.del('k')).rejects.toSatisfy(outage);
  await expect(cm.mdel(['k'])).rejects.toSatisfy(outage);
  await expect(cm.clear()).rejects.toSatisfy(outage);
  // wrap swallows its read error itself (cache-manager's choice); the write after the load rejects.
  await expect(cm.wrap('w', async () => 1)).rejects.toSatisfy(outage);
});
