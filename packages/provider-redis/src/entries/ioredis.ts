import type { CacheProvider, InvalidationBus } from '@gocache/core';
import type { Cluster, Redis } from 'ioredis';
import type { RedisProviderOptions } from '../options.js';
import { redisProvider as untyped } from '../provider.js';
import { type RedisBusOptions, redisBus as untypedBus } from '../redis-bus.js';

export type { RedisCacheOptions, RedisLockOptions, RedisProviderOptions } from '../options.js';
export type { RedisBusOptions } from '../redis-bus.js';
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

/**
 * `redisBus` typed for ioredis: invalidations for `@gocache/tiered` over pub/sub on a duplicate of
 * `client` (which stays yours and open).
 */
export function redisBus(options: RedisBusOptions<Redis | Cluster>): InvalidationBus {
  return untypedBus(options);
}
