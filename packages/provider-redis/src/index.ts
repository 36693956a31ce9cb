export type { CircuitBreakerOptions } from './circuit-breaker.js';
export type { RedisCacheOptions, RedisLockOptions, RedisProviderOptions } from './options.js';
export { redisProvider } from './provider.js';
export type { RedisBusOptions } from './redis-bus.js';
export { redisBus } from './redis-bus.js';
export type { Serializer } from './serializer.js';
export { cborSerializer, jsonSerializer } from './serializer.js';
export type { ValueDomain, ValueKind } from './value-domain.js';
