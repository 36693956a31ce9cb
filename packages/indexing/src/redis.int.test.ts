import { randomBytes } from 'node:crypto';
import { type Cache, type CacheOptions, type CacheProvider, createCache } from '@gocache/core';
import { redisProvider } from '@gocache/provider-redis/ioredis';
import { Cluster, Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { type RedisCluster, startRedisCluster } from '../../provider-redis/src/testing/index.js';
import { type Backend, storeDerivesIndexes, withoutDerivedIndexes } from '../test/backends.js';
import { indexingSuite } from '../test/indexing-suite.js';
import { raceSuite } from '../test/race-suite.js';
import { withIndexes } from './with-indexes.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `idx${randomBytes(4).toString('hex')}`;

/** A connected client; rejects (failing the file, not skipping it) when Redis is unreachable. */
async function connect(): Promise<Redis> {
  const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2_000 });
  await c.connect();
  await c.ping();
  return c;
}

const clientA = await connect();
const clientB = await connect();
// A throwaway 3-master cluster of our own (spawned on free loopback ports, stopped below).
const cluster: RedisCluster = await startRedisCluster();
const clusterClient = new Cluster([...cluster.startupNodes], { lazyConnect: true });
await clusterClient.connect();

afterAll(async () => {
  // Delete only what this file wrote on the shared server.
  let cursor = '0';
  do {
    const [next, keys] = await clientA.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await clientA.unlink(...keys);
  } while (cursor !== '0');
  clientA.disconnect();
  clientB.disconnect();
  clusterClient.disconnect();
  await cluster.stop();
}, 120_000);

let seq = 0;
function backend(name: string, provider: CacheProvider, twin?: CacheProvider): Backend {
  return {
    name,
    atomic: false,
    realTime: true,
    make: <T>(o: CacheOptions<T>) => createCache<T>(provider, { ...o, name: `${o.name}_${++seq}` }),
    ...(twin === undefined
      ? {}
      : {
          makePair: <T>(o: CacheOptions<T>): [Cache<T>, Cache<T>] => {
            const n = `${o.name}_${++seq}`;
            return [createCache<T>(provider, { ...o, name: n }), createCache<T>(twin, { ...o, name: n })];
          },
        }),
  };
}

const standalone = redisProvider({ client: clientA, prefix });
const standaloneTwin = redisProvider({ client: clientB, prefix });
const onCluster = redisProvider({ client: clusterClient, prefix });
const list = [
  backend('redis standalone', standalone),
  backend('redis standalone, fallback (no deriveIndexes)', withoutDerivedIndexes(standalone)),
  backend('redis standalone, two processes', standalone, standaloneTwin),
  backend('redis cluster', onCluster),
];
// `atomic` reflects whether the provider took the derived indexes: asserted by the suite.
for (const b of list) b.atomic = hasPrimitive(b);

function hasPrimitive(b: Backend): boolean {
  if (b.name.includes('fallback')) return false;
  const p = b.name.includes('cluster') ? onCluster : standalone;
  return storeDerivesIndexes(p);
}

indexingSuite(list);
raceSuite(list, 10);

describe('redis index storage under churn', () => {
  it('stays bounded while sessions of ever-new users move between index keys and are deleted', async () => {
    const name = `churnr${randomBytes(3).toString('hex')}`;
    const cache = withIndexes(createCache<{ userId: string; roles: string[] }>(standalone, { name }), {
      by_user: { pattern: 'session:*', by: (s) => s.userId },
      by_role: { pattern: 'session:*', by: (s) => s.roles },
    });
    const indexKeys = async () => {
      const found: string[] = [];
      let cursor = '0';
      do {
        const [next, keys] = await clientA.scan(cursor, 'MATCH', `${prefix}:*${name}*:i:*`, 'COUNT', 1000);
        cursor = next;
        found.push(...keys);
      } while (cursor !== '0');
      let members = 0;
      for (const k of found) members += await clientA.zcard(k);
      return { sets: found.length, members };
    };
    const sizes: { sets: number; members: number }[] = [];
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 300; i++) {
        const n = round * 300 + i;
        const key = `session:${n % 20}`;
        if (n % 3 === 0) await cache.update(key, () => ({ userId: `user${n}`, roles: [`team${n % 7}`] }));
        else await cache.set(key, { userId: `user${n}`, roles: n % 2 ? ['admin'] : [] });
        if (n % 5 === 0) await cache.delete(`session:${(n * 7) % 20}`);
      }
      // Index reads let a store that prunes lazily do so.
      for (let u = 0; u < (round + 1) * 300; u++) await cache.getByIndex('by_user', `user${u}`);
      sizes.push(await indexKeys());
    }
    const live = (await cache.getKeysByPattern('session:*')).length;
    for (const s of sizes) {
      expect(s.members).toBeLessThanOrEqual(20 * 2);
      expect(s.sets).toBeLessThanOrEqual(20 * 2);
    }
    expect((await indexKeys()).members).toBeGreaterThanOrEqual(live);
    await cache.clear();
    expect(await indexKeys()).toEqual({ sets: 0, members: 0 });
    await cache.close();
  });
});
