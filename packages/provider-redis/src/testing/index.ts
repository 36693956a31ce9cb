/**
 * Test harness for Redis integration tests: throwaway servers and clusters on free loopback ports.
 * Internal: not part of the package's public surface (`src/index.ts`); tests import it by path.
 */

export { keySlot } from '../key-slot.js';
export type { FindFreePortOptions } from './free-port.js';
export { findFreePort } from './free-port.js';
export type { ProvidedRedisCluster } from './global-setup.js';
export { CLUSTER_PORTS_ENV } from './global-setup.js';
export { livePids } from './orphan-guard.js';
export type { RedisCliOptions } from './redis-cli.js';
export { parseInfo, redisCli, waitFor } from './redis-cli.js';
export type { ClusterNodeInfo, RedisCluster, RedisClusterOptions } from './redis-cluster.js';
export { startRedisCluster } from './redis-cluster.js';
export type { RedisServer, RedisServerOptions } from './redis-server.js';
export { startRedisServer } from './redis-server.js';
