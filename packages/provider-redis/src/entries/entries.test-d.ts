import { Cluster, Redis } from 'ioredis';
import { createClient, createCluster } from 'redis';
import { redisProvider as forIoredis } from './ioredis.js';
import { redisProvider as forNodeRedis } from './node-redis.js';

// Compile-time checks only (tsc -p tsconfig.json); nothing here runs or connects.
export function typeChecks(): void {
  forIoredis({ client: new Redis({ lazyConnect: true }) });
  forIoredis({
    client: new Cluster([], { lazyConnect: true }),
    prefix: 'app',
    lock: { wait: 500, onTimeout: 'throw' },
  });
  forNodeRedis({ client: createClient() });
  forNodeRedis({ client: createClient({ RESP: 3 }) });
  forNodeRedis({ client: createCluster({ rootNodes: [] }), circuitBreaker: false });
  // @ts-expect-error a node-redis client is not an ioredis client
  forIoredis({ client: createClient() });
  // @ts-expect-error an ioredis client is not a node-redis client
  forNodeRedis({ client: new Redis({ lazyConnect: true }) });
  // @ts-expect-error unknown option
  forIoredis({ client: new Redis({ lazyConnect: true }), comandTimeout: 5 });
}
