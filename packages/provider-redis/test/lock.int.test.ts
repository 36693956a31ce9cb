import { type Cache, createCache, isCacheError } from '@gocache/core';
import { afterAll, describe, expect, it } from 'vitest';
import { ioredisCommands } from '../src/adapters/ioredis.js';
import { redisProvider } from '../src/index.js';
import { KeyLayout } from '../src/key-layout.js';
import { LockClient } from '../src/load-through.js';
import { providerOverCommands } from '../src/provider.js';
import { RedisExecutor } from '../src/redis-executor.js';
import { dropPrefix, ioredisClient, nodeRedisClient, testPrefix } from './clients.js';

const io = await ioredisClient();
const prefix = testPrefix();
const extra: { close(): unknown }[] = [];

afterAll(async () => {
  await dropPrefix(io, prefix);
  io.disconnect();
  for (const c of extra) await c.close();
});

function busyWait(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // Stands for a paused process (GC pause, SIGSTOP): no timer, no renewal, no I/O.
  }
}

describe('distributed getOrSet lock', () => {
  it('4 processes × 250 callers run the loader once', async () => {
    const clients = [io, await ioredisClient(), await nodeRedisClient(), await nodeRedisClient()];
    extra.push({ close: () => clients[1]!.disconnect() });
    extra.push({ close: () => (clients[2] as Awaited<ReturnType<typeof nodeRedisClient>>).destroy() });
    extra.push({ close: () => (clients[3] as Awaited<ReturnType<typeof nodeRedisClient>>).destroy() });
    const caches = clients.map((client) =>
      createCache<string>(redisProvider({ client, prefix }), { name: 'stampede' }),
    );
    let loads = 0;
    const results = await Promise.all(
      caches.flatMap((c) =>
        Array.from({ length: 250 }, () =>
          c.getOrSet('hot', async () => {
            loads++;
            await new Promise((r) => setTimeout(r, 100));
            return 'v';
          }),
        ),
      ),
    );
    expect(results.length).toBe(1000);
    expect(results.every((r) => r === 'v')).toBe(true);
    expect(loads).toBe(1);
    await Promise.all(caches.map((c) => c.close()));
  });

  it('fencing: a holder paused past its lease cannot write over the next holder', async () => {
    const provider = redisProvider({ client: io, prefix, lock: { ttl: 60, wait: 2000 } });
    const a = createCache<string>(provider, { name: 'fence' });
    const b = createCache<string>(provider, { name: 'fence' });
    let bResult: string | undefined;
    const aResult = await a.getOrSet('k', async () => {
      busyWait(150); // the lease (60 ms) runs out while A is paused
      bResult = await b.getOrSet('k', () => 'from B'); // B takes the free lock, loads and stores
      return 'from A';
    });
    expect(bResult).toBe('from B');
    expect(aResult).toBe('from A'); // A's own callers still get A's value …
    expect(await a.get('k')).toBe('from B'); // … but A's late write was refused
    await a.close();
    await b.close();
  });

  it('lock commands are owner-checked', async () => {
    const exec = new RedisExecutor(ioredisCommands(io), undefined, 2000);
    const lock = new LockClient(exec, new KeyLayout(prefix, 'owner'), 'owner');
    const t1 = await lock.acquire('k', 5000);
    expect(t1).toBeTypeOf('string');
    expect(await lock.acquire('k', 5000)).toBeUndefined();
    expect(await lock.release('k', 'not-the-owner')).toBe(false);
    expect(await lock.extend('k', 'not-the-owner', 5000)).toBe(false);
    expect(await lock.extend('k', t1!, 5000)).toBe(true);
    expect(await lock.release('k', t1!)).toBe(true);
    expect(await lock.acquire('k', 5000)).toBeTypeOf('string');
  });

  it('wait timeout: onTimeout "throw" gives LOCK_TIMEOUT, "load" loads anyway and stores', async () => {
    const exec = new RedisExecutor(ioredisCommands(io), undefined, 2000);
    const lock = new LockClient(exec, new KeyLayout(prefix, 'stuck'), 'stuck');
    await lock.acquire('k', 10_000); // a holder that never finishes
    const strict = createCache<string>(redisProvider({ client: io, prefix, lock: { wait: 80, onTimeout: 'throw' } }), {
      name: 'stuck',
    });
    const err = await strict.getOrSet('k', () => 'x').catch((e: unknown) => e);
    expect(isCacheError(err, 'LOCK_TIMEOUT')).toBe(true);
    const lenient = createCache<string>(redisProvider({ client: io, prefix, lock: { wait: 80 } }), { name: 'stuck' });
    expect(await lenient.getOrSet('k', () => 'fallback')).toBe('fallback');
    expect(await strict.get('k')).toBe('fallback');
    await strict.close();
    await lenient.close();
  });

  it('lock: false loads per process', async () => {
    const provider = redisProvider({ client: io, prefix, lock: false });
    const caches: Cache<string>[] = [
      createCache(provider, { name: 'nolock' }),
      createCache(provider, { name: 'nolock' }),
    ];
    let loads = 0;
    await Promise.all(
      caches.map((c) =>
        c.getOrSet('k', async () => {
          loads++;
          await new Promise((r) => setTimeout(r, 50));
          return 'v';
        }),
      ),
    );
    expect(loads).toBe(2);
    await Promise.all(caches.map((c) => c.close()));
  });

  it('a waiter sees the value as soon as the holder stores it', async () => {
    const provider = providerOverCommands(ioredisCommands(io), { client: io, prefix });
    const a = createCache<number>(provider, { name: 'handoff' });
    const b = createCache<number>(provider, { name: 'handoff' });
    let loads = 0;
    const slow = a.getOrSet('k', async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 100));
      return 42;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(await b.getOrSet('k', () => -1)).toBe(42);
    expect(await slow).toBe(42);
    expect(loads).toBe(1);
    await a.close();
    await b.close();
  });
});
