import type { CacheProvider } from '@gocache/core';
import type { Cluster, Redis } from 'ioredis';
import type { RedisProviderOptions } from '../options.js';
import { redisProvider as untyped } from '../provider.js';

export type { RedisCacheOptions, RedisLockOptions, RedisProviderOptions } from '../options.js';
export type { Serializer } from '../serializer.js';
export { cborSerializer, jsonSerializer } from '../serializer.js';
export type { ValueDomain, ValueKind } from '../value-domain.js';

/**
 * `redisProvider` typed for ioredis: pass a `Redis` or `Cluster` you own.
 * @example redisProvider({ client: new Redis(process.env.REDIS_URL) })
 */
export function redisProvider(options: RedisProviderOptions<Redis | Cluster>): CacheProvider {
  return untyped(options);
}
