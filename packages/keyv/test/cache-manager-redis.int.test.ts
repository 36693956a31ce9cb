import { randomUUID } from 'node:crypto';
import { createCache } from '@gocache/core';
import { redisProvider } from '@gocache/provider-redis/ioredis';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { describeCacheManager } from './cache-manager-suite.js';

const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const cache = createCache<unknown>(redisProvider({ client }), { name: `keyv-cm-${randomUUID()}` });
afterAll(async () => {
  await cache.clear();
  await cache.close();
  client.disconnect();
});

describeCacheManager('the Redis provider (ioredis)', () => cache);
