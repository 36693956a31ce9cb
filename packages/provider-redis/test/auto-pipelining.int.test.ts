import { createCache } from '@gocache/core';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { redisProvider } from '../src/index.js';
import { dropPrefix, REDIS_URL, testPrefix } from './clients.js';
import { dropClusterPrefix, ioredisCluster } from './cluster-clients.js';
import { conformanceSuite } from './kit.js';

// ioredis with `enableAutoPipelining: true` (ioredis#1923: `callBuffer` loses the command name
// there, so the adapter must send through the `<command>Buffer` methods). Connecting at import time
// makes the file fail, not skip, when Redis or the cluster is unreachable.
const io = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, enableAutoPipelining: true });
await io.connect();
const cluster = await ioredisCluster(undefined, { enableAutoPipelining: true });
// The clients of "another process" (the kit's createPeerCache).
const ioPeer = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, enableAutoPipelining: true });
await ioPeer.connect();
const clusterPeer = await ioredisCluster(undefined, { enableAutoPipelining: true });
const prefix = testPrefix();

afterAll(async () => {
  await dropPrefix(io, prefix);
  await dropClusterPrefix(cluster, prefix);
  io.disconnect();
  cluster.disconnect();
  ioPeer.disconnect();
  clusterPeer.disconnect();
});

const suite = conformanceSuite;

suite(
  'redis (ioredis auto-pipelining, standalone)',
  redisProvider({ client: io, prefix }),
  redisProvider({ client: ioPeer, prefix }),
);
suite(
  'redis (ioredis auto-pipelining, Cluster)',
  redisProvider({ client: cluster, prefix }),
  redisProvider({ client: clusterPeer, prefix }),
);

describe('ioredis auto-pipelining under concurrency', () => {
  for (const [label, client] of [
    ['standalone', io],
    ['Cluster', cluster],
  ] as const) {
    it(`${label}: many operations issued in one tick share pipelines and all answer correctly`, async () => {
      const cache = createCache<{ n: number }>(redisProvider({ client, prefix }), { name: `ap-${label}` });
      const keys = Array.from({ length: 500 }, (_, i) => `k${i}`);
      await Promise.all(keys.map((k, i) => cache.set(k, { n: i })));
      const got = await Promise.all(keys.map((k) => cache.get(k)));
      expect(got.map((v) => v?.n)).toEqual(keys.map((_, i) => i));
      const many = await cache.getMany(keys);
      expect(many.get('k499')).toEqual({ n: 499 });
      const hits = await Promise.all(keys.map((k) => cache.getOrSet(k, () => ({ n: -1 }))));
      expect(hits.every((v, i) => v.n === i)).toBe(true);
      await Promise.all(keys.slice(0, 50).map((k) => cache.update(k, (old) => ({ n: (old?.n ?? 0) + 1000 }))));
      expect(await cache.get('k7')).toEqual({ n: 1007 });
      expect(await cache.deleteMany(keys)).toBe(keys.length);
      await cache.close();
    });
  }
});
