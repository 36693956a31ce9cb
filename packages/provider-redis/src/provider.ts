import { CacheError, type CacheProvider, SPECIFICATION_VERSION, type Store, type StoreConfig } from '@gocache/core';
import { type IoredisLike, ioredisCommands, isIoredis } from './adapters/ioredis.js';
import { isNodeRedis, nodeRedisCommands } from './adapters/node-redis.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { RedisCommands } from './commands.js';
import { KeyLayout } from './key-layout.js';
import { bad, CACHE_DEFAULTS, checkKeys, positive, type RedisProviderOptions, resolveCacheOptions } from './options.js';
import { RedisExecutor } from './redis-executor.js';
import { RedisStore } from './redis-store.js';
import { cborSerializer } from './serializer.js';
import { ValueCodec } from './value-codec.js';

const OP = 'redisProvider';
const PREFIX = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * A gocache provider over Redis (standalone or Cluster), through an ioredis `Redis`/`Cluster` or a
 * node-redis client/cluster (v5+) that you create, connect and eventually quit yourself: neither a
 * cache's `close()` nor the provider's touches the client.
 *
 * The provider's `close()` marks it closed (new caches are refused with `CLOSED`); caches already
 * made keep working until closed themselves. It holds no timers or connections of its own.
 */
export function redisProvider(options: RedisProviderOptions): CacheProvider {
  if (typeof options !== 'object' || options === null)
    bad('?', OP, 'pass an options object: redisProvider({ client })');
  return providerOverCommands(commandsFor(options.client), options);
}

/** The provider over any `RedisCommands` (internal; tests wrap the adapters with it). */
export function providerOverCommands(
  cmds: RedisCommands,
  options: RedisProviderOptions,
  now: () => number = Date.now,
): CacheProvider {
  const base = resolveCacheOptions(options, CACHE_DEFAULTS, '?', OP, true);
  const prefix = options.prefix ?? 'gocache';
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    bad('?', OP, `prefix must be 1–64 of A-Z a-z 0-9 _ . - (no ':' or braces), got ${JSON.stringify(prefix)}`);
  }
  const timeout = positive(options.commandTimeout, 'commandTimeout', 2000, '?', OP);
  const scanCount = Math.ceil(positive(options.scanCount, 'scanCount', 1000, '?', OP));
  const cb = options.circuitBreaker;
  if (cb !== undefined && cb !== false) {
    if (typeof cb !== 'object' || cb === null) bad('?', OP, 'circuitBreaker must be an object or false');
    checkKeys(cb, ['failureThreshold', 'resetTimeout'], '?', OP);
    positive(cb.failureThreshold, 'circuitBreaker.failureThreshold', 5, '?', OP);
    positive(cb.resetTimeout, 'circuitBreaker.resetTimeout', 1000, '?', OP);
  }
  const newBreaker = () => new CircuitBreaker(cb === false ? {} : (cb ?? {}), now);
  const breaker = cb === false ? undefined : newBreaker();
  const exec = new RedisExecutor(cmds, breaker, timeout, newBreaker);
  let closed = false;

  return {
    name: 'redis',
    specificationVersion: SPECIFICATION_VERSION,
    capabilities: {
      distributed: true,
      fakeClock: false,
      eviction: false,
      indexes: true,
      referenceValues: false,
      accessTracking: false,
      // One server: a WRITE script keeps an entry and its index sets together. A cluster cannot
      // (they live in other slots), so there @gocache/indexing reconciles instead.
      derivedIndexes: !exec.isCluster,
    },
    createStore<T>(config: StoreConfig): Store<T> {
      if (closed) {
        throw new CacheError('CLOSED', 'the redis provider was closed; create a new provider to make caches', {
          cacheName: config.name,
          op: 'createStore',
        });
      }
      const o = resolveCacheOptions(config.providerOptions, base, config.name, 'createCache');
      return new RedisStore<T>({
        name: config.name,
        client: options.client,
        exec,
        layout: new KeyLayout(prefix, config.name),
        codec: new ValueCodec({
          serializer: o.serializer ?? cborSerializer(),
          compressThreshold: o.compressThreshold,
          maxValueBytes: o.maxValueBytes,
        }),
        lock: o.lock,
        onDecodeError: o.onDecodeError,
        scanCount,
        metrics: config.metrics,
        onLeave: config.onLeave,
      });
    },
    async close(): Promise<void> {
      closed = true;
    },
  };
}

function commandsFor(client: unknown): RedisCommands {
  if (isIoredis(client)) {
    const kp = (client as IoredisLike).options?.keyPrefix;
    if (typeof kp === 'string' && kp !== '') {
      bad(
        '?',
        OP,
        `the ioredis client has keyPrefix "${kp}", which would break key layout and SCAN; remove it and use the provider's prefix option`,
      );
    }
    return ioredisCommands(client);
  }
  if (isNodeRedis(client)) return nodeRedisCommands(client);
  return bad(
    '?',
    OP,
    'client must be an ioredis Redis/Cluster or a node-redis client/cluster (v5+), e.g. redisProvider({ client: new Redis(url) })',
  );
}
