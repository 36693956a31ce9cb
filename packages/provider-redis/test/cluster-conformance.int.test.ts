import { type CacheProvider, createCache } from '@gocache/core';
import { describeConformance } from '@gocache/core/conformance';
import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from 'vitest';
import { redisProvider } from '../src/index.js';
import { testPrefix } from './clients.js';
import { dropClusterPrefix, ioredisCluster, nodeRedisCluster } from './cluster-clients.js';

// Connecting at import time makes the file fail, not skip, when the cluster is unreachable.
const io = await ioredisCluster();
const nr = await nodeRedisCluster();
const prefix = testPrefix();
const runner = { describe, it, afterAll, beforeAll, beforeEach, afterEach };

afterAll(async () => {
  await dropClusterPrefix(io, prefix);
  io.disconnect();
  nr.destroy();
});

function suite(name: string, provider: CacheProvider): void {
  describeConformance({
    name,
    createCache: (o) => createCache(provider, o),
    capabilities: provider.capabilities,
    runner,
  });
}

// The conformance kit, unmodified, against a real 3-master + 3-replica Redis Cluster.
suite('redis (ioredis Cluster)', redisProvider({ client: io, prefix }));
suite('redis (node-redis cluster)', redisProvider({ client: nr, prefix }));
