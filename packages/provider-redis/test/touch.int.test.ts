import { type CacheProvider, createCache } from '@gocache/core';
import { installDerivedIndexes as useDerived } from '@gocache/core/conformance';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { ioredisCommands } from '../src/adapters/ioredis.js';
import type { RedisCommands } from '../src/commands.js';
import { redisProvider } from '../src/index.js';
import { KeyLayout } from '../src/key-layout.js';
import { FIELD } from '../src/protocol.js';
import { providerOverCommands } from '../src/provider.js';
import { byUser } from './by-user.js';
import { dropPrefix, ioredisClient, nodeRedisClient, testPrefix } from './clients.js';

/** How far the toucher's clock (expiresAt) may read before Redis's (scores): the call's own latency, on a busy machine. */
const GAP = 500;

import { dropClusterPrefix, ioredisCluster } from './cluster-clients.js';

const io = await ioredisClient();
const nr = await nodeRedisClient();
const cl = await ioredisCluster();
const prefix = testPrefix();

afterAll(async () => {
  await dropPrefix(io, prefix);
  await dropClusterPrefix(cl, prefix);
  io.disconnect();
  nr.destroy();
  cl.disconnect();
});

/** The provider over `commands`, counting the commands it sends. */
function counting(commands: RedisCommands, raw: Redis | Cluster) {
  const sent: string[] = [];
  const cmds: RedisCommands = {
    ...commands,
    send(key, args) {
      sent.push(String(args[0]));
      return commands.send(key, args);
    },
    batch(batch) {
      for (const b of batch) sent.push(String(b.args[0]));
      return commands.batch(batch);
    },
  };
  return { provider: providerOverCommands(cmds, { client: raw, prefix }), sent };
}

const cases: [string, () => { provider: CacheProvider; sent: string[] | undefined }, Redis | Cluster][] = [
  ['ioredis, standalone', () => counting(ioredisCommands(io), io), io],
  ['node-redis, standalone', () => ({ provider: redisProvider({ client: nr, prefix }), sent: undefined }), io],
  ['cluster code paths on one server', () => counting({ ...ioredisCommands(io), isCluster: true }, io), io],
  ['ioredis Cluster', () => counting(ioredisCommands(cl), cl), cl],
];

let n = 0;
describe('touch: one script, a new expiry, value and version untouched, index scores following', () => {
  for (const [label, make, raw] of cases) {
    it(`${label}: extends, shortens and persists; false on a miss, creating nothing`, async () => {
      const { provider, sent } = make();
      const name = `touch-${n++}`;
      const layout = new KeyLayout(prefix, name);
      const c = createCache<{ id: number }>(provider, { name, ttl: 60_000 });
      expect(await c.touch('nope', 1000)).toBe(false);
      expect(await raw.exists(layout.entry('nope'))).toBe(0);

      await c.set('a', { id: 1 });
      await c.addIndex('by_tag', 'a', 'x');
      const before = await raw.hgetall(layout.entry('a'));
      const meta0 = (await c.getMetadata('a'))!;
      if (sent) sent.length = 0;
      expect(await c.touch('a', 3_600_000)).toBe(true);
      // One script call on a single server; on a cluster, plus the re-scoring of the index set.
      if (sent)
        expect(sent.filter((s) => s !== 'EVAL')).toEqual(
          label.includes('luster') ? ['EVALSHA', 'EVALSHA'] : ['EVALSHA'],
        );
      const after = await raw.hgetall(layout.entry('a'));
      for (const f of [FIELD.value, FIELD.version, FIELD.updated, FIELD.created]) expect(after[f], f).toBe(before[f]);
      const meta = (await c.getMetadata('a'))!;
      expect(meta.updatedAt).toBe(meta0.updatedAt);
      expect(meta.expiresAt! - Date.now()).toBeGreaterThan(3_500_000);
      const idx = layout.index('by_tag', 'x');
      // Index scores bound the expiry from above, within the slack (a quarter of the TTL, ≤ 1 min).
      // Scores follow Redis's clock, expiresAt the toucher's (read just before Redis's): GAP apart at most.
      const score = Number(await raw.zscore(idx, 'a'));
      expect(score).toBeGreaterThanOrEqual(meta.expiresAt!);
      expect(score).toBeLessThanOrEqual(meta.expiresAt! + 60_000 + GAP);
      expect(await raw.pexpiretime(idx)).toBeGreaterThanOrEqual(score);
      expect(await c.getByIndex('by_tag', 'x')).toEqual(['a']);

      // Shorter: the score and the set's expiry move down with it.
      expect(await c.touch('a', 5_000)).toBe(true);
      const short = (await c.getMetadata('a'))!.expiresAt!;
      expect(short - Date.now()).toBeLessThan(6_000);
      const shortScore = Number(await raw.zscore(idx, 'a'));
      expect(shortScore).toBeGreaterThanOrEqual(short);
      expect(shortScore).toBeLessThanOrEqual(short + 1_250 + GAP);
      expect(await raw.pexpiretime(idx)).toBe(shortScore);

      // No expiry.
      expect(await c.touch('a', Number.POSITIVE_INFINITY)).toBe(true);
      expect((await c.getMetadata('a'))!.expiresAt).toBeNull();
      expect(await raw.zscore(idx, 'a')).toBe('inf');
      expect(await raw.pexpiretime(idx)).toBe(-1);
      expect(await c.get('a')).toEqual({ id: 1 });

      // An entry that expired is a miss.
      await c.set('b', { id: 2 }, 20);
      await new Promise((r) => setTimeout(r, 40));
      expect(await c.touch('b', 1000)).toBe(false);
      expect(await raw.exists(layout.entry('b'))).toBe(0);
      // Foreign data under the key is a miss too, left alone.
      await raw.set(layout.entry('f'), 'not ours');
      expect(await c.touch('f', 1000)).toBe(false);
      expect(await raw.get(layout.entry('f'))).toBe('not ours');
      await c.clear();
      await c.close();
    });
  }

  it('derived memberships (single server) follow the new expiry', async () => {
    const name = `touch-d-${n++}`;
    const layout = new KeyLayout(prefix, name);
    const c = createCache<{ user: string }>(redisProvider({ client: io, prefix }), { name, ttl: 60_000 });
    expect(useDerived(c, byUser(name))).toBe(true);
    await c.set('s', { user: 'ada' });
    const idx = layout.index('by_user', 'ada');
    const version = await io.hget(layout.entry('s'), FIELD.version);
    expect(await c.touch('s', 3_600_000)).toBe(true);
    const exp = await io.pexpiretime(layout.entry('s'));
    expect(exp - Date.now()).toBeGreaterThan(3_500_000);
    const score = Number(await io.zscore(idx, 's'));
    expect(score).toBeGreaterThanOrEqual(exp);
    expect(score).toBeLessThanOrEqual(exp + 60_000);
    expect(await io.pexpiretime(idx)).toBeGreaterThanOrEqual(score);
    expect(await io.hget(layout.entry('s'), FIELD.version)).toBe(version);
    expect(await c.getByIndex('by_user', 'ada')).toEqual(['s']);
    // Shortened: a bound far above the new expiry is re-scored, so the member goes with the entry.
    expect(await c.touch('s', 1_000)).toBe(true);
    expect(Number(await io.zscore(idx, 's'))).toBeLessThanOrEqual((await io.pexpiretime(layout.entry('s'))) + 250);
    await c.clear();
    await c.close();
  });
});
