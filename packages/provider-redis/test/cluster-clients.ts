import { Cluster } from 'ioredis';
import { createCluster } from 'redis';
import { inject } from 'vitest';
import '../src/testing/provided.js';

/** Seed nodes of the int project's shared cluster (started once per run by the globalSetup). */
export function clusterNodes(): readonly { host: string; port: number }[] {
  const { startupNodes } = inject('redisCluster');
  return startupNodes;
}

/** A connected ioredis `Cluster` over `nodes` (default: the shared cluster); rejects when unreachable. */
export async function ioredisCluster(nodes = clusterNodes(), extra: Record<string, unknown> = {}): Promise<Cluster> {
  const c = new Cluster([...nodes], { lazyConnect: true, ...extra });
  await c.connect();
  return c;
}

/** A connected node-redis cluster over `nodes` (default: the shared cluster); rejects when unreachable. */
export async function nodeRedisCluster(nodes = clusterNodes()) {
  const c = createCluster({ rootNodes: nodes.map((n) => ({ url: `redis://${n.host}:${n.port}` })) });
  c.on('error', () => {
    // Errors surface through commands; this only keeps an unhandled 'error' event from crashing.
  });
  await c.connect();
  return c;
}

/** Delete every key under `prefix` on every master of an ioredis cluster (SCAN + UNLINK per node). */
export async function dropClusterPrefix(c: Cluster, prefix: string): Promise<void> {
  for (const node of c.nodes('master')) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      // One UNLINK per key: keys of one node span many slots, and a multi-key command must not.
      await Promise.all(keys.map((k) => node.unlink(k)));
    } while (cursor !== '0');
  }
}
