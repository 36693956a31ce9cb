import { deflateRawSync } from 'node:zlib';
import {
  type CacheMetrics,
  type CacheProvider,
  createCache,
  createInProcessMetrics,
  isCacheError,
  type Store,
} from '@gocache/core';
import { storeConfig } from '@gocache/core/store-kit';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, describe, expect, it } from 'vitest';
import { redisProvider } from '../src/index.js';
import { KeyLayout } from '../src/key-layout.js';
import { FIELD } from '../src/protocol.js';
import { startRedisServer } from '../src/testing/redis-server.js';
import { testPrefix } from './clients.js';
import { watchUnhandled } from './fault-traffic.js';

const server = await startRedisServer();
const raw = new Redis(server.url);
const nr = createClient({ url: server.url });
nr.on('error', () => {});
await nr.connect();
const io = new Redis(server.url);
const prefix = testPrefix();

afterAll(async () => {
  raw.disconnect();
  io.disconnect();
  nr.destroy();
  await server.stop();
});

/** What can be found under a cache key that this cache did not write. */
const CORRUPTIONS: readonly { what: string; plant: (entryKey: string) => Promise<unknown> }[] = [
  {
    what: 'random bytes without the gocache header',
    plant: (e) => raw.hset(e, 'v', Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff])),
  },
  {
    what: 'the header and truncated CBOR',
    plant: (e) => raw.hset(e, 'v', Buffer.from([0x67, 0x01, 0xbf, 0x63, 0x61])),
  },
  { what: 'an unknown format byte', plant: (e) => raw.hset(e, 'v', Buffer.from([0x67, 0x09, 0x01])) },
  {
    what: 'a corrupt deflate stream',
    plant: (e) => raw.hset(e, 'v', Buffer.from([0x67, 0x02, 0x12, 0x34, 0x56, 0x78])),
  },
  {
    what: 'a compression bomb beyond maxValueBytes',
    plant: (e) =>
      raw.hset(e, 'v', Buffer.concat([Buffer.from([0x67, 0x02]), deflateRawSync(Buffer.alloc(8 * 2 ** 20))])),
  },
  { what: 'an empty value', plant: (e) => raw.hset(e, 'v', Buffer.alloc(0)) },
  {
    what: 'a foreign Redis type (a plain string) where the entry hash belongs',
    plant: async (e) => {
      await raw.del(e);
      await raw.set(e, 'foreign');
    },
  },
];

/** Security events as recorded, beside the in-process sink core ships. */
function spyMetrics() {
  const base = createInProcessMetrics();
  const events: { type: string; severity: string; metadata: Record<string, unknown> | undefined }[] = [];
  const metrics: CacheMetrics = {
    ...base,
    recordSecurityEvent(type, severity, metadata) {
      events.push({ type, severity, metadata });
      base.recordSecurityEvent(type, severity, metadata);
    },
  };
  return { metrics, events };
}

/** The store of cache `name` as a layer gets it from the provider (`@gocache/tiered` reads L2 with `getEntry`). */
function storeOf(
  provider: CacheProvider,
  name: string,
  metrics: CacheMetrics,
  providerOptions?: unknown,
): Store<string> {
  return provider.createStore<string>(storeConfig({ name, metrics, providerOptions }));
}

for (const [label, client] of [
  ['ioredis', io],
  ['node-redis', nr],
] as const) {
  describe(`corrupt bytes under a cache key (${label})`, () => {
    for (const c of CORRUPTIONS) {
      it(`${c.what}: SERIALIZATION and a security event, or a miss when configured; never a crash`, async () => {
        const unhandled = watchUnhandled();
        const name = `corrupt-${label}`;
        const layout = new KeyLayout(prefix, name);
        const provider = redisProvider({ client, prefix, maxValueBytes: 2 ** 20 });
        const strict = spyMetrics();
        const cache = createCache<string>(provider, { name, metrics: strict.metrics });
        await cache.set('victim', 'good');
        await cache.set('neighbour', 'fine');
        await c.plant(layout.entry('victim'));

        for (const read of [() => cache.get('victim'), () => cache.getMany(['neighbour', 'victim'])]) {
          const err = await read().then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(isCacheError(err, 'SERIALIZATION')).toBe(true);
          expect((err as Error).message).toMatch(/delete the key|onDecodeError|foreign|decode/i);
        }
        expect(strict.events.length).toBeGreaterThan(0);
        expect(strict.events[0]!.type).toMatch(/deserial|serializ|decode|corrupt|foreign/i);
        // The rest of the cache is unaffected.
        expect(await cache.get('neighbour')).toBe('fine');
        // getEntry (one HMGET) decodes like get.
        const strictStore = storeOf(provider, name, strict.metrics);
        const seen = strict.events.length;
        const entryErr = await Promise.resolve()
          .then(() => strictStore.getEntry!('victim'))
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(isCacheError(entryErr, 'SERIALIZATION')).toBe(true);
        expect(strict.events.length).toBe(seen + 1);
        expect(strict.events.at(-1)!.metadata).toMatchObject({ op: 'getEntry', key: 'victim' });
        expect(await strictStore.getEntry!('neighbour')).toEqual({ value: 'fine', expiresAt: null });
        await strictStore.close();

        // The same bytes with onDecodeError 'miss': a miss (still reported), and getOrSet repairs it.
        const lenient = spyMetrics();
        const asMiss = createCache<string>(provider, {
          name,
          metrics: lenient.metrics,
          providerOptions: { onDecodeError: 'miss' },
        });
        expect(await asMiss.get('victim')).toBeUndefined();
        expect((await asMiss.getMany(['neighbour', 'victim'])).get('victim')).toBeUndefined();
        expect(lenient.events.length).toBeGreaterThan(0);
        const lenientStore = storeOf(provider, name, lenient.metrics, { onDecodeError: 'miss' });
        expect(await lenientStore.getEntry!('victim')).toBeUndefined();
        await lenientStore.close();
        expect(await asMiss.getOrSet('victim', () => 'reloaded')).toBe('reloaded');
        expect(await cache.get('victim')).toBe('reloaded');
        expect(unhandled.seen).toEqual([]);
        unhandled.dispose();
        await asMiss.clear();
        await cache.close();
        await asMiss.close();
      });
    }

    it('a foreign Redis type where the entry hash belongs (WRONGTYPE): SERIALIZATION, neighbours unaffected', async () => {
      const unhandled = watchUnhandled();
      const name = `wrongtype-${label}`;
      const layout = new KeyLayout(prefix, name);
      const cache = createCache<string>(redisProvider({ client, prefix }), { name });
      await cache.set('victim', 'good');
      await cache.set('neighbour', 'fine');
      await raw.del(layout.entry('victim'));
      await raw.set(layout.entry('victim'), 'foreign');
      const err = await cache.get('victim').catch((e: unknown) => e);
      expect(isCacheError(err, 'SERIALIZATION')).toBe(true);
      expect(await cache.get('neighbour')).toBe('fine');
      await raw.del(layout.entry('victim'));
      expect(unhandled.seen).toEqual([]);
      unhandled.dispose();
      await cache.clear();
      await cache.close();
    });

    it('a CBOR payload with __proto__ keys does not pollute prototypes', async () => {
      const name = `proto-${label}`;
      const layout = new KeyLayout(prefix, name);
      const cache = createCache<unknown>(redisProvider({ client, prefix }), { name });
      await cache.set('p', 'x');
      // CBOR map {"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}
      const text = (s: string) => Buffer.concat([Buffer.from([0x60 + s.length]), Buffer.from(s)]);
      const polluted = Buffer.concat([text('polluted'), Buffer.from([0xf5])]);
      const cbor = Buffer.concat([
        Buffer.from([0xa2]),
        text('__proto__'),
        Buffer.from([0xa1]),
        polluted,
        text('constructor'),
        Buffer.from([0xa1]),
        text('prototype'),
        Buffer.from([0xa1]),
        polluted,
      ]);
      await raw.hset(layout.entry('p'), 'v', Buffer.concat([Buffer.from([0x67, 0x01]), cbor]));
      const got = await cache.get('p').catch((e: unknown) => e);
      // Either refused as SERIALIZATION or decoded into plain data; never a changed prototype.
      if (isCacheError(got)) expect(got.code).toBe('SERIALIZATION');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
      if (got !== null && typeof got === 'object' && !isCacheError(got)) {
        expect(Object.getPrototypeOf(got)).not.toHaveProperty('polluted');
      }
      await cache.clear();
      await cache.close();
    });

    it("a stored expiry that is missing, empty or not an integer: getEntry asks Redis for the key's own", async () => {
      const name = `expiry-${label}`;
      const layout = new KeyLayout(prefix, name);
      const provider = redisProvider({ client, prefix });
      const cache = createCache<string>(provider, { name });
      const store = storeOf(provider, name, spyMetrics().metrics);
      await cache.set('k', 'v', 60_000);
      const e = layout.entry('k');
      const stored = (await store.getEntry!('k'))!.expiresAt!;
      expect(stored).toBe(Number(await raw.hget(e, FIELD.expires)));
      for (const plant of [
        () => raw.hdel(e, FIELD.expires),
        () => raw.hset(e, FIELD.expires, ''),
        () => raw.hset(e, FIELD.expires, 'soon'),
      ]) {
        await plant();
        const entry = await store.getEntry!('k');
        expect(entry).toEqual({ value: 'v', expiresAt: await raw.pexpiretime(e) });
        expect((await cache.getMetadata('k'))?.expiresAt).toBeGreaterThan(Date.now());
      }
      await store.close();
      await cache.clear();
      await cache.close();
    });
  });
}
