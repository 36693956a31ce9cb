import { afterAll } from 'vitest';
import { ioredisCommands } from '../src/adapters/ioredis.js';
import { redisProvider } from '../src/index.js';
import { providerOverCommands } from '../src/provider.js';
import { dropPrefix, ioredisClient, nodeRedisClient, testPrefix } from './clients.js';
import { conformanceSuite } from './kit.js';

// Connecting at import time makes the file fail, not skip, when Redis is unreachable.
const io = await ioredisClient();
const nr = await nodeRedisClient();
const nr3 = await nodeRedisClient(3);
// The clients of "another process" (the kit's createPeerCache).
const ioPeer = await ioredisClient();
const nrPeer = await nodeRedisClient();
const nr3Peer = await nodeRedisClient(3);
const prefix = testPrefix();

afterAll(async () => {
  await dropPrefix(io, prefix);
  io.disconnect();
  nr.destroy();
  nr3.destroy();
  ioPeer.disconnect();
  nrPeer.destroy();
  nr3Peer.destroy();
});

const suite = conformanceSuite;

suite('redis (ioredis, standalone)', redisProvider({ client: io, prefix }), redisProvider({ client: ioPeer, prefix }), {
  mine: io,
  theirs: ioPeer,
});
suite(
  'redis (node-redis, standalone)',
  redisProvider({ client: nr, prefix }),
  redisProvider({ client: nrPeer, prefix }),
  { mine: nr, theirs: nrPeer },
);
suite(
  'redis (node-redis RESP3, standalone)',
  redisProvider({ client: nr3, prefix }),
  redisProvider({ client: nr3Peer, prefix }),
  { mine: nr3, theirs: nr3Peer },
);
// The cluster code paths (index sets updated outside the entry's script, reads that repair) on a
// standalone server: the same results must hold when atomicity across slots is not available.
suite(
  'redis (ioredis, cluster code paths on one server)',
  providerOverCommands({ ...ioredisCommands(io), isCluster: true }, { client: io, prefix }),
  providerOverCommands({ ...ioredisCommands(ioPeer), isCluster: true }, { client: ioPeer, prefix }),
);
