import { randomBytes } from 'node:crypto';
import type { BusState, InvalidationBus, InvalidationMessage } from '@gocache/core';
import { isCacheError } from '@gocache/core';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, describe, expect, it } from 'vitest';
import { redisBus } from './index.js';
import { startRedisServer } from './testing/redis-server.js';

const URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function channel(): string {
  return `gct_bus_${randomBytes(4).toString('hex')}`;
}

/** What a bus delivered to one listener. */
function record(bus: InvalidationBus) {
  const messages: InvalidationMessage[] = [];
  const states: BusState[] = [];
  const stop = bus.subscribe({ onMessage: (m) => messages.push(m), onState: (s) => states.push(s) });
  return { messages, states, stop };
}

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

type Maker = (url: string) => Promise<{ client: unknown; quit(): Promise<void>; ping(): Promise<unknown> }>;

const makers: [string, Maker][] = [
  [
    'ioredis',
    async (url) => {
      const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
      c.on('error', () => {});
      await c.connect();
      return { client: c, quit: async () => void c.disconnect(), ping: () => c.ping() };
    },
  ],
  [
    'node-redis',
    async (url) => {
      const c = createClient({ url, socket: { reconnectStrategy: () => 50 } });
      c.on('error', () => {});
      await c.connect();
      return { client: c, quit: async () => void c.destroy(), ping: () => c.ping() };
    },
  ],
];

for (const [lib, make] of makers) {
  describe(`redisBus (${lib})`, () => {
    const opened: { quit(): Promise<void> }[] = [];
    const buses: InvalidationBus[] = [];
    afterAll(async () => {
      for (const b of buses) await b.close();
      for (const c of opened) await c.quit();
    });
    const open = async (url: string, ch: string) => {
      const c = await make(url);
      opened.push(c);
      const bus = redisBus({ client: c.client as never, channel: ch });
      buses.push(bus);
      return { c, bus };
    };

    it('delivers keys, patterns and "all" to other processes, never back to the sender', async () => {
      const ch = channel();
      const a = await open(URL, ch);
      const b = await open(URL, ch);
      const ra = record(a.bus);
      const rb = record(b.bus);
      await a.bus.ready();
      await b.bus.ready();
      expect(ra.states).toEqual(['up']);
      await b.bus.publish('sessions', { kind: 'keys', keys: ['s:1', 'a b{c}'] });
      await b.bus.publish('sessions', { kind: 'patterns', patterns: ['user:*'] });
      await b.bus.publish('other', { kind: 'all' });
      await until('three messages', () => ra.messages.length === 3);
      expect(ra.messages).toEqual([
        { cache: 'sessions', origin: b.bus.origin, invalidation: { kind: 'keys', keys: ['s:1', 'a b{c}'] } },
        { cache: 'sessions', origin: b.bus.origin, invalidation: { kind: 'patterns', patterns: ['user:*'] } },
        { cache: 'other', origin: b.bus.origin, invalidation: { kind: 'all' } },
      ]);
      expect(rb.messages).toEqual([]);
      expect(a.bus.origin).not.toBe(b.bus.origin);
    });

    it('publish resolves after the others received the message (one process, two subscribers)', async () => {
      const ch = channel();
      const a = await open(URL, ch);
      const b = await open(URL, ch);
      const ra = record(a.bus);
      record(b.bus);
      await Promise.all([a.bus.ready(), b.bus.ready()]);
      let late = 0;
      for (let i = 0; i < 500; i++) {
        await b.bus.publish('c', { kind: 'keys', keys: [`k${i}`] });
        if (ra.messages.length !== i + 1) late++;
        await until('delivery', () => ra.messages.length === i + 1);
      }
      expect(late).toBe(0);
    });

    it('close() leaves the user’s client open', async () => {
      const ch = channel();
      const a = await open(URL, ch);
      record(a.bus);
      await a.bus.ready();
      await a.bus.close();
      expect(await a.c.ping()).toBe('PONG');
      expect(() => a.bus.subscribe({ onMessage() {}, onState() {} })).toThrow();
    });

    it('bad options are INVALID_ARGUMENT', () => {
      let err: unknown;
      try {
        redisBus({ client: {} as never });
      } catch (e) {
        err = e;
      }
      expect(isCacheError(err, 'INVALID_ARGUMENT')).toBe(true);
    });

    it('reports down and up again when its pubsub connection is killed and when Redis restarts', async () => {
      const server = await startRedisServer();
      try {
        const ch = channel();
        const a = await open(server.url, ch);
        const b = await open(server.url, ch);
        const ra = record(a.bus);
        record(b.bus);
        await Promise.all([a.bus.ready(), b.bus.ready()]);

        const killer = await make(server.url);
        opened.push(killer);
        const k = killer.client as {
          call?: (...a: string[]) => Promise<unknown>;
          sendCommand?: (a: string[]) => Promise<unknown>;
        };
        const kill = () =>
          k.call !== undefined
            ? k.call('CLIENT', 'KILL', 'TYPE', 'pubsub')
            : k.sendCommand!(['CLIENT', 'KILL', 'TYPE', 'pubsub']);
        expect(Number(await kill())).toBeGreaterThanOrEqual(2);
        await until('down after CLIENT KILL', () => ra.states.includes('down'));
        expect(a.bus.state === 'down' || ra.states.at(-1) === 'up').toBe(true);
        await until('up after resubscribing', () => ra.states.at(-1) === 'up' && a.bus.state === 'up');
        expect(ra.states).toEqual(['up', 'down', 'up']);
        await b.bus.ready();
        await b.bus.publish('c', { kind: 'keys', keys: ['after-kill'] });
        await until('a message after the kill', () => ra.messages.some((m) => m.invalidation.kind === 'keys'));

        await server.stop();
        await until('down while Redis is stopped', () => a.bus.state === 'down');
        await expect(b.bus.publish('c', { kind: 'all' })).rejects.toSatisfy((e) => isCacheError(e, 'UNAVAILABLE'));
        await server.restart();
        await until('up after the restart', () => a.bus.state === 'up', 20_000);
        expect(ra.states.at(-1)).toBe('up');
        await until('b up after the restart', () => b.bus.state === 'up', 20_000);
        await b.bus.publish('c', { kind: 'all' });
        await until('a message after the restart', () => ra.messages.some((m) => m.invalidation.kind === 'all'));
      } finally {
        await server.stop();
      }
    });
  });
}

describe('redisBus whose client library gives up reconnecting', () => {
  it('makes its subscriber connection anew (node-redis with reconnectStrategy: false)', async () => {
    const server = await startRedisServer();
    const c = createClient({ url: server.url, socket: { reconnectStrategy: false } });
    c.on('error', () => {});
    await c.connect();
    const bus = redisBus({ client: c, channel: channel() });
    try {
      const r = record(bus);
      await bus.ready();
      const killer = new Redis(server.url);
      await killer.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      killer.disconnect();
      await until('down', () => r.states.includes('down'));
      await until('up on a new subscriber connection', () => bus.state === 'up');
      expect(r.states).toEqual(['up', 'down', 'up']);
      expect(await c.ping()).toBe('PONG'); // the user's client was never touched
    } finally {
      await bus.close();
      c.destroy();
      await server.stop();
    }
  });
});

describe('redisBus whose own subscription silently stops receiving', () => {
  it('publish does not wait for its echo; the echo watchdog reports the bus down, a probe brings it up', async () => {
    const c = new Redis(URL);
    const peer = new Redis(URL);
    // Messages reach the subscriber connection but are dropped before the bus sees them: a
    // subscription that is lost without a disconnect.
    const muted = { on: false };
    const duplicate = c.duplicate.bind(c);
    c.duplicate = ((...args: Parameters<typeof c.duplicate>) => {
      const d = duplicate(...args);
      const emit = d.emit.bind(d);
      d.emit = ((event: string | symbol, ...rest: unknown[]) =>
        event === 'message' && muted.on ? false : emit(event, ...rest)) as typeof d.emit;
      return d;
    }) as typeof c.duplicate;
    const ch = channel();
    const bus = redisBus({ client: c, channel: ch, publishTimeoutMs: 300 });
    const other = redisBus({ client: peer, channel: ch });
    try {
      const r = record(bus);
      const ro = record(other);
      await Promise.all([bus.ready(), other.ready()]);
      muted.on = true;
      // Redis accepted the PUBLISH and handed it to the other subscriber: the write's invalidation
      // went out, so publish resolves although its echo never comes back.
      await expect(bus.publish('c', { kind: 'keys', keys: ['k'] })).resolves.toBeUndefined();
      await until('the other bus got the message', () => ro.messages.length === 1);
      expect(ro.messages[0]).toEqual({ cache: 'c', origin: bus.origin, invalidation: { kind: 'keys', keys: ['k'] } });
      // Its own subscription is not proven any more: down (tiered stores fail closed), then up once
      // a probe comes back through it.
      await until('down: the echo did not come back', () => r.states.includes('down'));
      muted.on = false;
      await until('up again once a probe came back', () => bus.state === 'up');
      expect(r.states).toEqual(['up', 'down', 'up']);
    } finally {
      await bus.close();
      await other.close();
      c.disconnect();
      peer.disconnect();
    }
  });
});
