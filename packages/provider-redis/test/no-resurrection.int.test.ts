import { setTimeout as sleep } from 'node:timers/promises';
import { type Cache, createCache } from '@gocache/core';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { redisProvider } from '../src/index.js';
import { dropPrefix, ioredisClient, nodeRedisClient, testPrefix } from './clients.js';
import { dropClusterPrefix, ioredisCluster, nodeRedisCluster } from './cluster-clients.js';

// Two processes, as far as Redis can tell: two provider instances over two clients each.
const ioA = await ioredisClient();
const nrB = await nodeRedisClient();
const clA = await ioredisCluster();
const clB = await nodeRedisCluster();
const prefix = testPrefix();

afterAll(async () => {
  await dropPrefix(ioA, prefix);
  await dropClusterPrefix(clA, prefix);
  ioA.disconnect();
  nrB.destroy();
  clA.disconnect();
  clB.destroy();
});

type Removal = 'delete' | 'deleteMany' | 'deleteByIndex' | 'deleteByPattern' | 'clear';
const REMOVALS: Record<Removal, (c: Cache<string>) => Promise<unknown>> = {
  delete: (c) => c.delete('s1'),
  deleteMany: (c) => c.deleteMany(['s1', 'other']),
  deleteByIndex: (c) => c.deleteByIndex('by_user', 'ada'),
  deleteByPattern: (c) => c.deleteByPattern('s*'),
  clear: (c) => c.clear(),
};

const setups: [string, Redis | Cluster, Parameters<typeof redisProvider>[0]['client']][] = [
  ['standalone (ioredis + node-redis)', ioA, nrB],
  ['cluster (ioredis Cluster + node-redis cluster)', clA, clB],
];

let n = 0;
describe('no resurrection across processes: a removal completed while another process loads wins', () => {
  for (const [label, a, b] of setups) {
    for (const lock of [true, false]) {
      const lockOpt = lock ? {} : { lock: false as const };
      const pair = () => {
        const name = `res-${n++}`;
        return {
          A: createCache<string>(redisProvider({ client: a, prefix, ...lockOpt }), { name, ttl: 60_000 }),
          B: createCache<string>(redisProvider({ client: b, prefix, ...lockOpt }), { name, ttl: 60_000 }),
        };
      };
      for (const [kind, remove] of Object.entries(REMOVALS) as [Removal, (c: Cache<string>) => Promise<unknown>][]) {
        it(`${label}, lock ${lock ? 'on' : 'off'}: ${kind} in B while A loads — A's callers get the late value, nothing is stored`, async () => {
          const { A, B } = pair();
          await B.set('x', 'other entry');
          await B.addIndex('by_user', 'x', 'ada');
          let loads = 0;
          const loader = async () => {
            loads++;
            await sleep(600);
            return 'late';
          };
          const first = A.getOrSet('s1', loader);
          const second = A.getOrSet('s1', loader); // a waiter of the same flight
          await sleep(200);
          await remove(B);
          expect(await first).toBe('late');
          expect(await second).toBe('late');
          expect(loads).toBe(1);
          expect(await B.get('s1')).toBeUndefined();
          expect(await A.get('s1')).toBeUndefined();
          // The next getOrSet loads again, and that value is stored.
          expect(await A.getOrSet('s1', async () => 'fresh')).toBe('fresh');
          expect(await B.get('s1')).toBe('fresh');
          await A.clear();
          await A.close();
          await B.close();
        });
      }

      it(`${label}, lock ${lock ? 'on' : 'off'}: removals that do not cover the key leave the load's store step alone`, async () => {
        const { A, B } = pair();
        const loading = A.getOrSet('s1', async () => {
          await sleep(400);
          return 'loaded';
        });
        await sleep(150);
        await B.delete('s2');
        await B.deleteMany(['s3', 's4']);
        await B.deleteByPattern('t*');
        expect(await loading).toBe('loaded');
        expect(await B.get('s1')).toBe('loaded');
        await A.clear();
        await A.close();
        await B.close();
      });
    }
  }

  it('a failed load and a load that finds the value leave no marker or registry entry behind', async () => {
    const name = `res-${n++}`;
    const A = createCache<string>(redisProvider({ client: ioA, prefix, lock: false }), { name, ttl: 60_000 });
    await expect(
      A.getOrSet('k', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow();
    expect(await A.getOrSet('k', async () => 'v')).toBe('v');
    const left: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await ioA.scan(cursor, 'MATCH', `${prefix}:${name}:*`, 'COUNT', 1000);
      cursor = next;
      left.push(...keys);
    } while (cursor !== '0');
    expect(left).toEqual([`${prefix}:${name}:e:{k}`]);
    await A.clear();
    await A.close();
  });
});
