import { randomUUID } from 'node:crypto';
import { createCache } from '@gocache/core';
import { redisProvider as ioredisProvider } from '@gocache/provider-redis/ioredis';
import { redisProvider as nodeRedisProvider } from '@gocache/provider-redis/node-redis';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll } from 'vitest';
import { describeKeyvSuite } from './keyv-suite.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ioredis = new Redis(url);
const nodeRedis = await createClient({ url }).connect();
const viaIoredis = createCache<unknown>(ioredisProvider({ client: ioredis }), { name: `keyv-suite-${randomUUID()}` });
const viaNodeRedis = createCache<unknown>(nodeRedisProvider({ client: nodeRedis }), {
  name: `keyv-suite-${randomUUID()}`,
});
afterAll(async () => {
  for (const cache of [viaIoredis, viaNodeRedis]) {
    await cache.clear();
    await cache.close();
  }
  ioredis.disconnect();
  nodeRedis.destroy();
});

describeKeyvSuite('the Redis provider (ioredis)', () => viaIoredis);
describeKeyvSuite('the Redis provider (node-redis)', () => viaNodeRedis);
