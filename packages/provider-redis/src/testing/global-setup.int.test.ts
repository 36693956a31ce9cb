import { expect, inject, it } from 'vitest';
import './provided.js';
import { CLUSTER_PORTS_ENV } from './global-setup.js';
import { parseInfo, redisCli } from './redis-cli.js';

it('the int project provides a healthy 6-node cluster', async () => {
  const { startupNodes } = inject('redisCluster');
  expect(startupNodes).toHaveLength(6);
  for (const { port } of startupNodes) {
    expect(parseInfo(await redisCli(port, ['CLUSTER', 'INFO'])).get('cluster_state')).toBe('ok');
  }
  expect(process.env[CLUSTER_PORTS_ENV]?.split(',').map(Number).sort()).toEqual(startupNodes.map((n) => n.port).sort());
});
