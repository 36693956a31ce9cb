import { describe, expect, it } from 'vitest';
import { parseInfo, redisCli } from './redis-cli.js';
import { startRedisCluster } from './redis-cluster.js';

describe('startRedisCluster', () => {
  it('starts 3 masters + 3 replicas, fails over gracefully and after a kill', async () => {
    const t0 = Date.now();
    const cluster = await startRedisCluster();
    const startupMs = Date.now() - t0;
    try {
      expect(cluster.nodes).toHaveLength(6);
      for (const port of cluster.ports) {
        expect(parseInfo(await redisCli(port, ['CLUSTER', 'INFO'])).get('cluster_state')).toBe('ok');
      }
      const topo = await cluster.topology();
      expect(topo.filter((n) => n.role === 'master')).toHaveLength(3);
      expect(topo.filter((n) => n.role === 'replica')).toHaveLength(3);
      expect(startupMs).toBeGreaterThan(0);

      const swap = await cluster.failover();
      const after = await cluster.topology();
      expect(after.find((n) => n.port === swap.newMaster)?.role).toBe('master');
      expect(after.find((n) => n.port === swap.oldMaster)?.role).toBe('replica');

      const { killed, promoted } = await cluster.killMaster();
      expect(killed.running).toBe(false);
      expect((await cluster.masters()).map((m) => m.port)).toContain(promoted);
      // The dead master comes back as a replica of the node that replaced it.
      await killed.restart();
      await cluster.waitUntilHealthy();
      const rejoined = (await cluster.topology()).find((n) => n.port === killed.port);
      expect(rejoined?.role).toBe('replica');
    } finally {
      await cluster.stop();
    }
    expect(cluster.nodes.every((n) => !n.running)).toBe(true);
  });
});
