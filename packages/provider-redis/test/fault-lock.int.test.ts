import { setTimeout as sleep } from 'node:timers/promises';
import { createCache } from '@gocache/core';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { redisProvider } from '../src/index.js';
import { KeyLayout } from '../src/key-layout.js';
import { startRedisServer } from '../src/testing/redis-server.js';
import { testPrefix } from './clients.js';

const server = await startRedisServer();
const prefix = testPrefix();
const LOCK_TTL = 300;
const raw = new Redis(server.url);
const clients: Redis[] = [raw];

afterAll(async () => {
  for (const c of clients) c.disconnect();
  await server.stop();
});

/**
 * An ioredis client whose process "freezes" on demand: while paused, every command it is given is
 * held back (not sent) until `resume()`. From Redis's side that is exactly a stopped process — the
 * lease renewals stop arriving — while this test process keeps running the other instance.
 * It also records the reply of every fenced write (the write script in mode `fence`).
 */
function freezable(client: Redis) {
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;
  const fencedReplies: unknown[] = [];
  const proxy = new Proxy(client, {
    get(t, prop) {
      const v = Reflect.get(t, prop, t) as unknown;
      // The adapter sends through `<command>Buffer` methods (and `callBuffer` for the rest).
      const sends = typeof prop === 'string' && prop.endsWith('Buffer');
      if (!sends || typeof v !== 'function') return typeof v === 'function' ? v.bind(t) : v;
      return async (...args: unknown[]) => {
        while (gate) await gate;
        const reply = await (v as (...a: unknown[]) => Promise<unknown>).apply(t, args);
        if (args.some((a) => String(a).startsWith('fence '))) fencedReplies.push(reply); // the mode leads the packed arguments
        return reply;
      };
    },
  });
  return {
    client: proxy,
    fencedReplies,
    pause() {
      gate = new Promise((r) => {
        open = r;
      });
    },
    resume() {
      gate = undefined;
      open?.();
    },
  };
}

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('a getOrSet lock holder paused past its lease', () => {
  it('loses the lease to another instance, and its late fenced write is rejected', async () => {
    const name = 'lock-takeover';
    const a = freezable(new Redis(server.url));
    const bClient = new Redis(server.url);
    clients.push(a.client, bClient);
    // Two providers on two clients: two processes sharing one Redis.
    const lock = { ttl: LOCK_TTL, wait: 5000 };
    const cacheA = createCache<string>(redisProvider({ client: a.client, prefix, lock, commandTimeout: 5000 }), {
      name,
    });
    const cacheB = createCache<string>(redisProvider({ client: bClient, prefix, lock }), { name });
    const layout = new KeyLayout(prefix, name);

    const started = deferred();
    const release = deferred();
    const resultA = cacheA.getOrSet('k', async () => {
      started.resolve();
      await release.promise;
      return 'A (late)';
    });
    await started.promise;
    expect(await raw.exists(layout.lock('k'))).toBe(1);

    // A freezes with the lock held; its renewals stop reaching Redis and the lease runs out.
    a.pause();
    await sleep(LOCK_TTL * 2);
    expect(await raw.exists(layout.lock('k'))).toBe(0);

    // B takes over: it gets the lock, loads and stores its value.
    let loadsB = 0;
    expect(
      await cacheB.getOrSet('k', () => {
        loadsB++;
        return 'B';
      }),
    ).toBe('B');
    expect(loadsB).toBe(1);

    // A wakes up, its loader finishes, and it tries to write with its stale token.
    a.resume();
    release.resolve();
    // Its own callers still get what it loaded…
    expect(await resultA).toBe('A (late)');
    // …but the fenced write was refused by Redis and B's value stands, for everyone.
    expect(a.fencedReplies).toHaveLength(1);
    expect(a.fencedReplies[0]).toBe(0);
    expect(await cacheB.get('k')).toBe('B');
    expect(await cacheA.get('k')).toBe('B');
    await cacheA.close();
    await cacheB.close();
  });

  it('with nobody taking over, a write after the lease ran out is still refused (not stored)', async () => {
    const name = 'lock-expired';
    const a = freezable(new Redis(server.url));
    clients.push(a.client);
    const cacheA = createCache<string>(
      redisProvider({ client: a.client, prefix, lock: { ttl: LOCK_TTL, wait: 5000 }, commandTimeout: 5000 }),
      { name },
    );
    const started = deferred();
    const release = deferred();
    const result = cacheA.getOrSet('k', async () => {
      started.resolve();
      await release.promise;
      return 'stale';
    });
    await started.promise;
    a.pause();
    await sleep(LOCK_TTL * 2);
    a.resume();
    release.resolve();
    expect(await result).toBe('stale');
    expect(a.fencedReplies).toEqual([0]);
    expect(await cacheA.get('k')).toBeUndefined();
    // The next load takes the lock afresh and stores normally.
    expect(await cacheA.getOrSet('k', () => 'fresh')).toBe('fresh');
    expect(await cacheA.get('k')).toBe('fresh');
    await cacheA.close();
  });
});
