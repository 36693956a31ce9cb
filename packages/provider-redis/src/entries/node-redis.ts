import type { CacheProvider, InvalidationBus } from '@gocache/core';
import type { RedisClientType, RedisClusterType } from 'redis';
import type { RedisProviderOptions } from '../options.js';
import { redisProvider as untyped } from '../provider.js';
import { type RedisBusOptions, redisBus as untypedBus } from '../redis-bus.js';

export type { RedisCacheOptions, RedisLockOptions, RedisProviderOptions } from '../options.js';
export type { RedisBusOptions } from '../redis-bus.js';
export type { Serializer } from '../serializer.js';
export { cborSerializer, jsonSerializer } from '../serializer.js';
export type { ValueDomain, ValueKind } from '../value-domain.js';

/** Any node-redis client or cluster, whatever modules, scripts or RESP version it was made with. */
// biome-ignore lint/suspicious/noExplicitAny: node-redis clients are generic over modules/functions/scripts
export type NodeRedisClient = RedisClientType<any, any, any, any, any> | RedisClusterType<any, any, any, any, any>;

/**
 * `redisProvider` typed for node-redis (v5+): pass a connected client or cluster you own.
 * @example redisProvider({ client: await createClient({ url }).connect() })
 */
export function redisProvider(options: RedisProviderOptions<NodeRedisClient>): CacheProvider {
  return untyped(options);
}

/**
 * `redisBus` typed for node-redis: invalidations for `@gocache/tiered` over pub/sub on a duplicate of
 * `client` (which stays yours and open).
 */
export function redisBus(options: RedisBusOptions<NodeRedisClient>): InvalidationBus {
  return untypedBus(options);
}
