import { afterAll } from 'vitest';
import { startRedisCluster } from '../../provider-redis/src/testing/redis-cluster.js';
import { clusterSeeds, tieredConformance } from '../test/setup.js';

// A cluster of our own (3 masters, 3 replicas on free loopback ports), stopped by PID afterwards.
const cluster = await startRedisCluster();
clusterSeeds.push(...cluster.startupNodes.map((n) => ({ ...n })));
afterAll(() => cluster.stop());

await tieredConformance('ioredis-cluster');
await tieredConformance('node-redis-cluster');
