import { createServer } from 'node:net';
import { createCache, isCacheError } from '@gocache/core';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, describe, expect, it } from 'vitest';
import { ioredisCommands } from '../src/adapters/ioredis.js';
import type { RedisCommands } from '../src/commands.js';
import { redisProvider } from '../src/index.js';
import { argv } from '../src/protocol.js';
import { providerOverCommands } from '../src/provider.js';
import { WRITE } from '../src/scripts.js';
import { dropPrefix, ioredisClient, testPrefix } from './clients.js';

const io = await ioredisClient();
const prefix = testPrefix();

afterAll(async () => {
  await dropPrefix(io, prefix);
  io.disconnect();
});

/** A loopback port with nothing listening. */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe('update after an unknown outcome', () => {
  it('a CAS whose reply was lost is asked again and reports the write it made, applied once', async () => {
    const real = ioredisCommands(io);
    let dropNext = false;
    const lossy: RedisCommands = {
      ...real,
      async send(key, args) {
        const reply = await real.send(key, args);
        // Every write, the CAS included, is one WRITE call.
        const isWrite = args[1] === WRITE.sha;
        // The mode leads the packed small arguments ('cas <ttl> …').
        const isCas = args[0] === 'EVALSHA' && isWrite && args.some((a) => String(a).startsWith('cas '));
        if (isCas && dropNext) {
          dropNext = false;
          throw new Error('read ECONNRESET'); // the write landed, the reply never arrived
        }
        return reply;
      },
    };
    const c = createCache<number>(providerOverCommands(lossy, { client: io, prefix }), { name: 'cas' });
    await c.set('n', 5);
    let calls = 0;
    dropNext = true;
    const result = await c.update('n', (old) => {
      calls++;
      return (old ?? 0) + 1;
    });
    expect(dropNext).toBe(false); // the reply really was dropped
    expect(result).toBe(6);
    expect(calls).toBe(1);
    expect(await c.get('n')).toBe(6);
    await c.close();
  });

  it('the CAS script refuses a stale version and reports an already-applied one', async () => {
    const c = createCache<number>(redisProvider({ client: io, prefix }), { name: 'cas2' });
    await c.set('n', 1);
    const key = `${prefix}:cas2:e:{n}`;
    const cur = (await io.hget(key, 'n'))!;
    // WRITE answers {written, …}, or a bare number when there is nothing else to report.
    const written = (r: unknown) => (Array.isArray(r) ? r : [r]);
    const run = async (expected: string, version: string, token = '') =>
      written(
        await io.callBuffer(
          'eval',
          WRITE.source,
          '2',
          key,
          `${prefix}:cas2:u:{n}`,
          ...argv('write', {
            mode: 'cas',
            value: Buffer.from([0x67, 1, 0x02]),
            ttl: '',
            version,
            expected,
            token,
            now: String(Date.now()),
            inline: '1',
          }),
        ),
      );
    expect((await run(cur, 'v2'))[0]).toBe(1);
    expect((await run(cur, 'v2'))[0]).toBe(1); // the same write again: already applied, not re-applied
    expect((await run(cur, 'v3'))[0]).toBe(0); // a stale expected version loses
    expect(await c.get('n')).toBe(2);
    // While another process holds the update ticket, only its holder's CAS can succeed.
    await io.set(`${prefix}:cas2:u:{n}`, 'holder', 'PX', 5000);
    expect((await run('v2', 'v4'))[0]).toBe(0);
    expect((await run('v2', 'v4', 'holder'))[0]).toBe(1);
    expect(await io.exists(`${prefix}:cas2:u:{n}`)).toBe(0); // the ticket is spent
    await c.close();
  });
});

describe('update under cross-process contention', () => {
  it('8 instances × 40 concurrent increments end exact, with no CONFLICT (losers take a turn)', async () => {
    const caches = Array.from({ length: 8 }, () =>
      createCache<number>(redisProvider({ client: io, prefix }), { name: 'contended' }),
    );
    await Promise.all(caches.flatMap((c) => Array.from({ length: 40 }, () => c.update('n', (old) => (old ?? 0) + 1))));
    expect(await caches[0]!.get('n')).toBe(320);
    await Promise.all(caches.map((c) => c.close()));
  });
});

describe('Redis unreachable', () => {
  it('ioredis: calls reject with UNAVAILABLE (never a miss), then fail fast once the circuit opens', async () => {
    const client = new Redis({
      port: await deadPort(),
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => 50,
    });
    client.on('error', () => {});
    const c = createCache<string>(
      redisProvider({ client, prefix, circuitBreaker: { failureThreshold: 2, resetTimeout: 60_000 } }),
      { name: 'down' },
    );
    const errors: unknown[] = [];
    for (let i = 0; i < 4; i++) errors.push(await c.get('k').catch((e: unknown) => e));
    expect(errors.every((e) => isCacheError(e, 'UNAVAILABLE'))).toBe(true);
    expect((errors[3] as Error).message).toContain('circuit open');
    await expect(c.set('k', 'v')).rejects.toSatisfy((e) => isCacheError(e, 'UNAVAILABLE'));
    await c.close();
    client.disconnect();
  });

  it('errorsAsMisses turns the outage into misses only when asked', async () => {
    const client = new Redis({ port: await deadPort(), lazyConnect: true, maxRetriesPerRequest: 0 });
    client.on('error', () => {});
    const c = createCache<string>(redisProvider({ client, prefix }), { name: 'down2', errorsAsMisses: true });
    expect(await c.get('k')).toBeUndefined();
    await c.close();
    client.disconnect();
  });

  it('node-redis: a client that is not connected gives UNAVAILABLE', async () => {
    const client = createClient({ socket: { port: await deadPort(), reconnectStrategy: false } });
    const c = createCache<string>(redisProvider({ client, prefix }), { name: 'down3' });
    await expect(c.get('k')).rejects.toSatisfy((e) => isCacheError(e, 'UNAVAILABLE'));
    await expect(c.getOrSet('k', () => 'v')).rejects.toSatisfy((e) => isCacheError(e, 'UNAVAILABLE'));
    await c.close();
  });

  it('a cache or provider close never quits the client it was given', async () => {
    const provider = redisProvider({ client: io, prefix });
    const c = createCache<string>(provider, { name: 'owned' });
    await c.set('k', 'v');
    await c.close();
    await provider.close();
    expect(io.status).toBe('ready');
    expect(await io.ping()).toBe('PONG');
    expect(() => createCache(provider, { name: 'after' })).toThrow(/closed/);
  });
});
