import { afterAll } from 'vitest';
import { redisProvider } from '../src/index.js';
import { testPrefix } from './clients.js';
import { dropClusterPrefix, ioredisCluster, nodeRedisCluster } from './cluster-clients.js';
import { conformanceSuite } from './kit.js';

// Connecting at import time makes the file fail, not skip, when the cluster is unreachable.
const io = await ioredisCluster();
const nr = await nodeRedisCluster();
// The clients of "another process" (the kit's createPeerCache).
const ioPeer = await ioredisCluster();
const nrPeer = await nodeRedisCluster();
const prefix = testPrefix();

afterAll(async () => {
  await dropClusterPrefix(io, prefix);
  io.disconnect();
  nr.destroy();
  ioPeer.disconnect();
  nrPeer.destroy();
});

const suite = conformanceSuite;

// The conformance kit, unmodified, against a real 3-master + 3-replica Redis Cluster.
suite('redis (ioredis Cluster)', redisProvider({ client: io, prefix }), redisProvider({ client: ioPeer, prefix }), {
  mine: io,
  theirs: ioPeer,
});
suite('redis (node-redis cluster)', redisProvider({ client: nr, prefix }), redisProvider({ client: nrPeer, prefix }), {
  mine: nr,
  theirs: nrPeer,
});
