import { type Cache, createCache, type InvalidationBus } from '@gocache/core';
import { redisProvider } from '@gocache/provider-redis';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { startRedisServer } from '../../provider-redis/src/testing/redis-server.js';
import { connect, dropPrefix, type Lib, tieredProcess, unique } from '../test/setup.js';

interface Session {
  user: string;
}

/**
 * The same bus behind a wrapper of another kind: L2 cannot publish on it, so writes publish after
 * L2 answered. `dropMessages`: it loses every incoming message but still reports its state, so only
 * `l1Ttl` bounds staleness.
 */
function forwarding(bus: InvalidationBus, dropMessages = false): InvalidationBus {
  return {
    get origin() {
      return bus.origin;
    },
    get state() {
      return bus.state;
    },
    publish: (cache, what) => bus.publish(cache, what),
    subscribe: (l) => bus.subscribe(dropMessages ? { onMessage: () => {}, onState: (s) => l.onState(s) } : l),
    ready: (t) => bus.ready(t),
    close: () => bus.close(),
  };
}

const dropping = (bus: InvalidationBus) => forwarding(bus, true);

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

for (const lib of ['ioredis', 'node-redis'] as Lib[]) {
  describe(`coherence across three processes (${lib})`, () => {
    const closers: (() => Promise<void>)[] = [];
    const prefixes: string[] = [];
    afterAll(async () => {
      for (const c of closers.reverse()) await c();
      for (const p of prefixes) await dropPrefix(p);
    });

    async function three(
      opts: { l1Ttl?: number; url?: string; wrapBus?: (b: InvalidationBus) => InvalidationBus } = {},
    ) {
      const prefix = unique('coh');
      const channel = unique('bus');
      if (opts.url === undefined) prefixes.push(prefix);
      const procs = [];
      for (let i = 0; i < 3; i++) {
        const p = await tieredProcess(lib, { prefix, channel, ...opts });
        closers.push(() => p.close());
        procs.push(p);
      }
      const caches = procs.map((p) =>
        createCache<Session>(p.provider, { name: 'sessions', indexes: { by_user: 's:*' } }),
      ) as [Cache<Session>, Cache<Session>, Cache<Session>];
      // The bus subscribes with the first cache; until then reads bypass L1 (fail closed).
      await Promise.all(procs.map((p) => p.bus.ready()));
      return { procs, caches, prefix };
    }

    it('a write or removal in one process is seen by the next read of the others', async () => {
      const {
        caches: [a, b, c],
      } = await three();
      await a.set('s:1', { user: 'ada' });
      expect(await b.get('s:1')).toEqual({ user: 'ada' });
      expect(await c.get('s:1')).toEqual({ user: 'ada' });
      await a.set('s:1', { user: 'grace' });
      expect(await b.get('s:1')).toEqual({ user: 'grace' });
      expect(await c.get('s:1')).toEqual({ user: 'grace' });
      await b.setMany({ 's:2': { user: 'ada' }, 's:3': { user: 'ada' } });
      await Promise.all([a.getMany(['s:2', 's:3']), c.getMany(['s:2', 's:3'])]);
      await a.addIndex('by_user', 's:2', 'ada');
      await a.addIndex('by_user', 's:3', 'ada');
      expect(await c.deleteByIndex('by_user', 'ada')).toBe(2);
      expect(await a.getMany(['s:2', 's:3'])).toEqual(new Map());
      expect(await b.has('s:2')).toBe(false);
      await c.delete('s:1');
      expect(await a.get('s:1')).toBeUndefined();
      expect(await b.get('s:1')).toBeUndefined();
      await a.set('p:1', { user: 'x' });
      expect(await b.get('p:1')).toEqual({ user: 'x' });
      await c.deleteByPattern('p:*');
      expect(await b.get('p:1')).toBeUndefined();
      await a.set('q', { user: 'y' });
      expect(await b.get('q')).toEqual({ user: 'y' });
      await c.clear();
      expect(await b.get('q')).toBeUndefined();
      await a.set('t', { user: 'z' }, '1h');
      expect(await b.get('t')).toEqual({ user: 'z' });
      await c.update('t', () => ({ user: 'updated' }));
      expect(await b.get('t')).toEqual({ user: 'updated' });
    });

    it('with the bus on L2’s client, a write’s, touch’s or delete’s invalidation travels inside the L2 step (no PUBLISH of its own)', async () => {
      for (const wrapBus of [undefined, (b: InvalidationBus) => forwarding(b)]) {
        const {
          procs,
          caches: [a, b],
        } = await three(wrapBus === undefined ? {} : { wrapBus });
        const client = procs[0]!.client as { publish(...args: unknown[]): Promise<unknown> };
        let publishes = 0;
        const original = client.publish.bind(client);
        client.publish = (...args: unknown[]) => {
          publishes++;
          return original(...args);
        };
        try {
          for (let i = 0; i < 10; i++) {
            await a.set('w', { user: `u${i}` });
            expect(await b.get('w')).toEqual({ user: `u${i}` });
            expect(await a.setIfNotExists('w', { user: 'no' })).toBe(false);
            expect(await a.setIfExists('w', { user: `x${i}` })).toBe(true);
            expect(await b.get('w')).toEqual({ user: `x${i}` });
            await a.update('w', (old) => ({ user: `${old!.user}!` }));
            expect(await b.get('w')).toEqual({ user: `x${i}!` });
            expect(await a.touch('w', '1h')).toBe(true);
            expect(await b.get('w')).toEqual({ user: `x${i}!` });
            expect(await a.delete('w')).toBe(true);
            expect(await b.get('w')).toBeUndefined();
          }
          // A bus L2 does not know (wrapped) is published on after each change: 5 per round.
          expect(publishes).toBe(wrapBus === undefined ? 0 : 50);
        } finally {
          client.publish = original;
        }
      }
    });

    it('a revoked session is never returned once the revocation completed (200 rounds, readers racing)', async () => {
      const {
        caches: [a, b, c],
      } = await three();
      let served = 0;
      for (let i = 0; i < 200; i++) {
        const key = `s:${i}`;
        await a.set(key, { user: `u${i}` });
        expect(await b.get(key)).toEqual({ user: `u${i}` });
        expect(await c.get(key)).toEqual({ user: `u${i}` });
        // Readers keep reading (and refilling their L1) while the revocation runs.
        let revoked = false;
        const readers = [b, c].map(async (x) => {
          while (!revoked) {
            await x.get(key);
            await new Promise((r) => setImmediate(r)); // an L1 hit never yields by itself
          }
        });
        await a.delete(key);
        revoked = true;
        await Promise.all(readers);
        if ((await b.get(key)) !== undefined) served++;
        if ((await c.get(key)) !== undefined) served++;
      }
      expect(served).toBe(0);
    });

    it('with messages lost, staleness is bounded by l1Ttl', async () => {
      const l1Ttl = 300;
      const {
        caches: [a, b],
      } = await three({ l1Ttl, wrapBus: dropping });
      await a.set('s:1', { user: 'old' });
      expect(await b.get('s:1')).toEqual({ user: 'old' }); // b's L1 now holds it
      const changed = Date.now();
      await a.set('s:1', { user: 'new' });
      let staleFor = 0;
      for (;;) {
        const v = await b.get('s:1');
        if (v?.user === 'new') break;
        staleFor = Date.now() - changed;
        expect(staleFor).toBeLessThanOrEqual(l1Ttl + 50);
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(staleFor).toBeGreaterThan(0); // the message really was lost: b served its copy for a while
      await a.delete('s:1');
      await new Promise((r) => setTimeout(r, l1Ttl + 20));
      expect(await b.get('s:1')).toBeUndefined();
    });

    it('with its pubsub connection killed, a process clears and bypasses L1 until resubscribed; also across a Redis restart', async () => {
      const server = await startRedisServer();
      closers.push(() => server.stop());
      const { procs, caches, prefix } = await three({ url: server.url });
      const [a, b] = caches;
      // Writes that bypass the bus (straight to L2): only a cleared L1 can make b see them.
      const rawConn = await connect(lib, server.url);
      closers.push(async () => rawConn.close());
      const raw = createCache<Session>(redisProvider({ client: rawConn.client as never, prefix }), {
        name: 'sessions',
      });
      const states: string[] = [];
      procs[1]!.bus.subscribe({ onMessage() {}, onState: (s) => void states.push(s) });

      await a.set('s:1', { user: 'v1' });
      expect(await b.get('s:1')).toEqual({ user: 'v1' });
      await raw.set('s:1', { user: 'behind-the-bus' });
      expect(await b.get('s:1')).toEqual({ user: 'v1' }); // served from b's L1, as designed

      const killer = new Redis(server.url);
      killer.on('error', () => {});
      closers.push(async () => void killer.disconnect());
      await killer.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      await until('b to see its bus go down', () => states.includes('down'));
      expect(await b.get('s:1')).toEqual({ user: 'behind-the-bus' }); // L1 cleared
      // Every process lost its subscription; a writer whose bus is still down cannot confirm delivery.
      await until('every bus resubscribed', () => procs.every((p) => p.bus.state === 'up'));
      await raw.set('s:1', { user: 'v3' });
      expect(await b.get('s:1')).toEqual({ user: 'v3' }); // refilled from L2 after coming back
      await a.delete('s:1');
      expect(await b.get('s:1')).toBeUndefined(); // and invalidations flow again

      await a.set('s:2', { user: 'r1' });
      expect(await b.get('s:2')).toEqual({ user: 'r1' });
      states.length = 0;
      await server.stop();
      await until('b down while Redis is stopped', () => states.includes('down'));
      await server.restart(); // empty: persistence is off
      await until('b up after the restart', () => procs[1]!.bus.state === 'up', 20_000);
      expect(await b.get('s:2')).toBeUndefined(); // not its pre-restart L1 copy
    });
  });
}
