import { randomBytes } from 'node:crypto';
import type { InvalidationBus, InvalidationMessage, Store } from '@gocache/core';
import { storeConfig } from '@gocache/core/store-kit';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, describe, expect, it } from 'vitest';
import { redisBus, redisProvider } from './index.js';

const URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const unique = (what: string) => `gct_${what}_${randomBytes(4).toString('hex')}`;

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

type Client = { publish(channel: string, message: string): Promise<unknown> };
type Maker = () => Promise<{ client: Client; close(): void }>;

const makers: [string, Maker][] = [
  [
    'ioredis',
    async () => {
      const c = new Redis(URL, { lazyConnect: true });
      await c.connect();
      return { client: c, close: () => c.disconnect() };
    },
  ],
  [
    'node-redis',
    async () => {
      const c = createClient({ url: URL });
      await c.connect();
      return { client: c as unknown as Client, close: () => void c.destroy() };
    },
  ],
];

for (const [lib, make] of makers) {
  describe(`Store.publishingWrites on a redisBus of the same client (${lib})`, () => {
    const prefix = unique('pw');
    const closers: (() => unknown)[] = [];
    afterAll(async () => {
      for (const c of closers.reverse()) await c();
      const admin = new Redis(URL);
      const keys = await admin.keys(`${prefix}:*`);
      if (keys.length > 0) await admin.unlink(...keys);
      admin.disconnect();
    });

    /**
     * A store and a bus on one client, a listening bus and a reader on another ("another process").
     * `subscribe: false` leaves the store's bus down (never subscribed).
     */
    async function setup(publishTimeoutMs?: number, subscribe = true) {
      const channel = unique('bus');
      const mine = await make();
      const theirs = await make();
      closers.push(mine.close, theirs.close);
      const bus = redisBus({ client: mine.client as never, channel, publishTimeoutMs });
      const store = redisProvider({ client: mine.client as never, prefix }).createStore<string>(
        storeConfig({ name: 'pw' }),
      );
      const other = redisBus({ client: theirs.client as never, channel });
      const reader = redisProvider({ client: theirs.client as never, prefix }).createStore<string>(
        storeConfig({ name: 'pw' }),
      );
      closers.push(
        () => bus.close(),
        () => other.close(),
        () => store.close(),
        () => reader.close(),
      );
      /** Each message the other process hears, with what it read for the key when the message arrived. */
      const heard: { message: InvalidationMessage; read: Promise<string | undefined> }[] = [];
      other.subscribe({
        onMessage: (message) => {
          const key = message.invalidation.kind === 'keys' ? message.invalidation.keys[0]! : '';
          heard.push({ message, read: Promise.resolve(reader.get(key)) });
        },
        onState() {},
      });
      if (subscribe) bus.subscribe({ onMessage() {}, onState() {} });
      await Promise.all([subscribe && bus.ready(), other.ready()]);
      const pw = store.publishingWrites!(bus, 'pw')!;
      let publishes = 0;
      const original = mine.client.publish.bind(mine.client);
      mine.client.publish = (ch, m) => {
        publishes++;
        return original(ch, m);
      };
      return { bus, store, pw, heard, publishes: () => publishes, mine };
    }

    it('is offered only for a redisBus on the same client', async () => {
      const a = await make();
      const b = await make();
      closers.push(a.close, b.close);
      const store: Store<string> = redisProvider({ client: a.client as never, prefix }).createStore(
        storeConfig({ name: 'pw' }),
      );
      const same = redisBus({ client: a.client as never, channel: unique('bus') });
      const other = redisBus({ client: b.client as never, channel: unique('bus') });
      const wrapped: InvalidationBus = {
        get origin() {
          return same.origin;
        },
        get state() {
          return same.state;
        },
        publish: (c, i) => same.publish(c, i),
        subscribe: (l) => same.subscribe(l),
        ready: (t) => same.ready(t),
        close: () => same.close(),
      };
      closers.push(
        () => same.close(),
        () => other.close(),
      );
      expect(store.publishingWrites!(same, 'pw')).toBeDefined();
      expect(store.publishingWrites!(other, 'pw')).toBeUndefined();
      expect(store.publishingWrites!(wrapped, 'pw')).toBeUndefined();
    });

    it('a write publishes its key inside its own step: no PUBLISH of its own, the value already there when heard', async () => {
      const s = await setup();
      for (let i = 0; i < 20; i++) await s.pw.set('k', `v${i}`, 60_000);
      await until('20 messages', () => s.heard.length === 20);
      expect(s.publishes()).toBe(0);
      for (const [i, h] of s.heard.entries()) {
        expect(h.message.invalidation).toEqual({ kind: 'keys', keys: ['k'] });
        expect(h.message.cache).toBe('pw');
        expect(h.message.origin).toBe(s.bus.origin);
        // Read after the message arrived: the write it announced (or a later one) is in place.
        expect(Number((await h.read)!.slice(1))).toBeGreaterThanOrEqual(i);
      }
    });

    it('a conditional write or touch that does not write publishes nothing, and the bus stays up', async () => {
      const s = await setup(300);
      expect(await s.pw.setIfNotExists('c', 'one', 60_000)).toBe(true);
      const v = await s.store.getVersioned('c');
      expect(await s.pw.compareAndSet('c', v!.version, 'four', 60_000)).toBe(true);
      expect(await s.pw.setIfExists('c', 'five', 60_000)).toBe(true);
      expect(await s.pw.touch!('c', 120_000)).toBe(true);
      // Last, so that no later echo covers for them:
      expect(await s.pw.touch!('absent', 60_000)).toBe(false);
      expect(await s.pw.setIfNotExists('c', 'two', 60_000)).toBe(false);
      expect(await s.pw.setIfExists('absent', 'x', 60_000)).toBe(false);
      expect(await s.pw.compareAndSet('c', 'not-the-version', 'three', 60_000)).toBe(false);
      // Past publishTimeoutMs: no echo was awaited for the writes that did not write.
      await new Promise((r) => setTimeout(r, 600));
      expect(s.bus.state).toBe('up');
      expect(s.heard.map((h) => h.message.invalidation)).toEqual([
        { kind: 'keys', keys: ['c'] },
        { kind: 'keys', keys: ['c'] },
        { kind: 'keys', keys: ['c'] },
        { kind: 'keys', keys: ['c'] },
      ]);
      expect(s.publishes()).toBe(0);
      expect(await s.store.get('c')).toBe('five');
    });

    it('a delete publishes inside its own step, whether or not it found the entry', async () => {
      const s = await setup();
      await s.store.set('gone', 'x', 60_000);
      expect(await s.pw.delete('gone')).toBe(true);
      expect(await s.pw.delete('gone')).toBe(false);
      await until('two messages', () => s.heard.length === 2);
      for (const h of s.heard) {
        expect(h.message.invalidation).toEqual({ kind: 'keys', keys: ['gone'] });
        expect(await h.read).toBeUndefined();
      }
      expect(s.publishes()).toBe(0);
    });

    it('while the bus is not up, a write still publishes, after it wrote', async () => {
      const s = await setup(undefined, false);
      expect(s.bus.state).toBe('down');
      await s.pw.set('d', 'x', 60_000);
      await until('the message', () => s.heard.length === 1);
      expect(s.heard[0]!.message.invalidation).toEqual({ kind: 'keys', keys: ['d'] });
      expect(await s.heard[0]!.read).toBe('x');
      expect(s.publishes()).toBe(1);
    });
  });
}
