import { type RedisCluster, startRedisCluster } from './redis-cluster.js';

/** What the int project's tests receive through `inject('redisCluster')`. */
export interface ProvidedRedisCluster {
  /** Seed nodes of the shared test cluster (3 masters, 3 replicas). */
  readonly startupNodes: readonly { host: string; port: number }[];
}

/** The slice of vitest's `TestProject` this setup uses (kept structural: vitest is a dev tool only). */
interface ProvideTarget {
  provide(key: 'redisCluster', value: ProvidedRedisCluster): void;
}

/** Environment variable that also carries the ports, for tools that cannot use `inject`. */
export const CLUSTER_PORTS_ENV = 'GOCACHE_REDIS_CLUSTER_PORTS';

/**
 * vitest globalSetup of the int project: one Redis Cluster per test run, shared by every
 * `cluster*.int.test.ts` file (files run one at a time). Tests that damage a cluster (failover,
 * kills) start their own with `startRedisCluster` so this one stays healthy.
 */
export default async function setup(project: ProvideTarget): Promise<() => Promise<void>> {
  const cluster: RedisCluster = await startRedisCluster();
  project.provide('redisCluster', { startupNodes: cluster.startupNodes.map((n) => ({ ...n })) });
  process.env[CLUSTER_PORTS_ENV] = cluster.ports.join(',');
  return async () => {
    await cluster.stop();
  };
}
