import { createCache } from '@gocache/core';
import { afterAll, describe, expect, it } from 'vitest';
import { redisProvider } from '../src/index.js';
import { KeyLayout } from '../src/key-layout.js';
import { parseInfo, redisCli } from '../src/testing/redis-cli.js';
import { testPrefix } from './clients.js';
import { clusterNodes, dropClusterPrefix, ioredisCluster, nodeRedisCluster } from './cluster-clients.js';

const io = await ioredisCluster();
const nr = await nodeRedisCluster();
const prefix = testPrefix();

afterAll(async () => {
  await dropClusterPrefix(io, prefix);
  io.disconnect();
  nr.destroy();
});

/** Ports of the masters now (roles can change between runs of the globalSetup cluster). */
async function masterPorts(): Promise<number[]> {
  return io.nodes('master').map((n) => n.options.port as number);
}

async function commandCalls(port: number, cmd: string): Promise<number> {
  const stats = parseInfo(await redisCli(port, ['INFO', 'commandstats']));
  const line = stats.get(`cmdstat_${cmd}`);
  return line === undefined ? 0 : Number(/calls=(\d+)/.exec(line)?.[1] ?? 0);
}

async function slotOf(redisKey: string): Promise<number> {
  return Number(await redisCli(clusterNodes()[0]!.port, ['CLUSTER', 'KEYSLOT', redisKey]));
}

/**
 * Wrap a client so every command the provider sends is recorded with the number of replies that
 * had already arrived when it was issued: all zeros means the whole batch went out in one round
 * trip (no command waited for another's reply).
 */
function recording<C extends object>(client: C, method: RegExp) {
  const log: { repliesBefore: number }[] = [];
  let replies = 0;
  const proxy = new Proxy(client, {
    get(t, prop) {
      const v = Reflect.get(t, prop, t) as unknown;
      if (typeof prop !== 'string' || !method.test(prop) || typeof v !== 'function')
        return typeof v === 'function' ? v.bind(t) : v;
      return (...args: unknown[]) => {
        log.push({ repliesBefore: replies });
        const p = (v as (...a: unknown[]) => Promise<unknown>).apply(t, args);
        return p.finally(() => {
          replies++;
        });
      };
    },
  });
  const reset = () => {
    log.length = 0;
    replies = 0;
  };
  return { proxy, log, reset };
}

for (const [label, make] of [
  // ioredis: the adapter sends through `<command>Buffer` methods (callBuffer for the rest).
  ['ioredis', () => recording(io, /Buffer$/)],
  ['node-redis', () => recording(nr, /^sendCommand$/)],
] as const) {
  describe(`redis cluster specifics (${label} cluster client)`, () => {
    const rec = make();
    const provider = redisProvider({ client: rec.proxy, prefix });

    it('getMany issues every read before any reply arrives: one round trip, whatever the slots', async () => {
      const cache = createCache<number>(provider, { name: `many-${label}` });
      const keys = Array.from({ length: 60 }, (_, i) => `k${i}`);
      await cache.setMany(keys.map((k, i) => [k, i] as const));
      const layout = new KeyLayout(prefix, `many-${label}`);
      const slots = new Set(await Promise.all(keys.map((k) => slotOf(layout.entry(k)))));
      expect(slots.size).toBeGreaterThan(40);

      rec.reset();
      const got = await cache.getMany([...keys, 'absent']);
      expect(got.size).toBe(60);
      expect(got.get('k7')).toBe(7);
      expect(rec.log.length).toBeGreaterThan(0);
      // One command per key at most (no per-key extra steps), all sent before the first reply.
      expect(rec.log.length).toBeLessThanOrEqual(keys.length + 1);
      expect(rec.log.every((c) => c.repliesBefore === 0)).toBe(true);
      await cache.close();
    });

    it('pattern operations SCAN every master', async () => {
      const name = `scan-${label}`;
      const cache = createCache<number>(provider, { name });
      const keys = Array.from({ length: 300 }, (_, i) => `user:${i}`);
      await cache.setMany(keys.map((k, i) => [k, i] as const));
      const masters = await masterPorts();
      expect(masters).toHaveLength(3);
      // The entries really are spread over all three masters…
      const layout = new KeyLayout(prefix, name);
      for (const node of io.nodes('master')) {
        const [, found] = await node.scan('0', 'MATCH', `${layout.entryPrefix}*`, 'COUNT', 10_000);
        expect(found.length).toBeGreaterThan(0);
      }
      // …so a complete answer needs a SCAN on each of them.
      const before = await Promise.all(masters.map((p) => commandCalls(p, 'scan')));
      expect((await cache.getKeysByPattern('user:*')).sort()).toEqual([...keys].sort());
      const after = await Promise.all(masters.map((p) => commandCalls(p, 'scan')));
      for (const [i, n] of after.entries()) expect(n).toBeGreaterThan(before[i]!);
      const streamed: string[] = [];
      for await (const k of cache.scanKeys('user:1*')) streamed.push(k);
      expect(streamed.sort()).toEqual(keys.filter((k) => k.startsWith('user:1')).sort());
      expect(await cache.deleteByPattern('user:2*')).toBe(keys.filter((k) => k.startsWith('user:2')).length);
      await cache.clear();
      expect(await cache.getKeysByPattern('*')).toEqual([]);
      await cache.close();
    });

    it('{tag} in user keys does not choose the slot: each key hashes on its own encoded name', async () => {
      const name = `tag-${label}`;
      const cache = createCache<string>(provider, { name });
      const layout = new KeyLayout(prefix, name);
      const tagged = Array.from({ length: 50 }, (_, i) => `{user1}:${i}`);
      await cache.setMany(tagged.map((k) => [k, k] as const));
      const slots = await Promise.all(tagged.map((k) => slotOf(layout.entry(k))));
      // With a working hash tag all 50 would share one slot; spread over slots means it did not apply.
      expect(new Set(slots).size).toBeGreaterThan(40);
      // The slot is that of the entry's own tag, and the entry is where the layout says it is.
      const plain = await slotOf(`{${layout.member('{user1}:0')}}`);
      expect(slots[0]).toBe(plain);
      expect(await io.exists(layout.entry('{user1}:0'))).toBe(1);
      // Brace-heavy keys round-trip and stay distinct from their brace-free twins.
      const odd = ['{', '}', '}{', '{}', 'a{b}c', '{{x}}', 'user1', '{user1}'];
      for (const k of odd) await cache.set(k, `v:${k}`);
      const many = await cache.getMany(odd);
      for (const k of odd) expect(many.get(k)).toBe(`v:${k}`);
      await cache.clear();
      await cache.close();
    });
  });
}
