import { createCache } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';
import { redisBus, redisProvider } from '@gocache/provider-redis';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, dropPrefix, type Lib, unique } from '../test/setup.js';
import { watched } from '../test/watched.js';
import { tieredProvider } from './index.js';

interface Session {
  user: string;
}

for (const lib of ['ioredis', 'node-redis'] as Lib[]) {
  describe(`maxEntries on a tiered cache over Redis (${lib})`, () => {
    const prefixes: string[] = [];
    afterAll(async () => {
      for (const p of prefixes) await dropPrefix(p);
    });

    it("API.md §9's example: maxEntries bounds this process's L1, Redis keeps every entry", async () => {
      const conn = await connect(lib);
      const prefix = unique('maxent');
      prefixes.push(prefix);
      const l1 = watched(memoryProvider({ policy: 'tinylfu' }));
      const l2 = watched(redisProvider({ client: conn.client as never, prefix }));
      const bus = redisBus({ client: conn.client as never, channel: unique('bus') });
      const provider = tieredProvider({ l1: l1.provider, l2: l2.provider, bus, l1Ttl: '10s' });
      try {
        // As in the contract, with 10 for 50_000.
        const sessions = createCache<Session>(provider, { name: 'sessions', ttl: '24h', maxEntries: 10 });
        await bus.ready(); // until the bus has subscribed, reads bypass L1 (fail closed)
        const l1Size = () => l1.stores[0]!.size!() as number;
        for (let i = 0; i < 30; i++) {
          await sessions.set(`s:${i}`, { user: `u${i}` });
          expect(l1Size()).toBeLessThanOrEqual(10);
        }
        expect(l1Size()).toBe(10);
        expect(await sessions.getKeysByPattern('s:*')).toHaveLength(30); // Redis: authoritative
        for (const pass of [1, 2]) {
          for (let i = 0; i < 30; i++) {
            expect(await sessions.get(`s:${i}`), `s:${i}, pass ${pass}`).toEqual({ user: `u${i}` });
            expect(l1Size()).toBeLessThanOrEqual(10);
          }
        }
        expect((await sessions.getMany(Array.from({ length: 30 }, (_, i) => `s:${i}`))).size).toBe(30);
        // L1 still serves: a key read over and over (so TinyLFU admits it) stops costing Redis reads.
        for (let i = 0; i < 5; i++) await sessions.get('s:0');
        const before = l2.reads.count;
        await sessions.get('s:0');
        await sessions.get('s:0');
        expect(l2.reads.count).toBe(before);
      } finally {
        await provider.close();
        conn.close();
      }
    });
  });
}
