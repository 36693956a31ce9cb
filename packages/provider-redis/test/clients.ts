import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createClient } from 'redis';

/** The shared test server; tests fail (never skip) when it is unreachable. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A connected ioredis client; rejects when Redis is unreachable. */
export async function ioredisClient(): Promise<Redis> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  return client;
}

/** A connected node-redis client (RESP2 by default, or RESP3); rejects when Redis is unreachable. */
export async function nodeRedisClient(resp: 2 | 3 = 2) {
  const client = createClient({ url: REDIS_URL, RESP: resp, socket: { reconnectStrategy: false } });
  client.on('error', () => {
    // Errors surface through commands; this only keeps an unhandled 'error' event from crashing.
  });
  await client.connect();
  return client;
}

/** A prefix no other test run uses, so tests can share the server and clean up after themselves. */
export function testPrefix(): string {
  return `gct_${randomBytes(4).toString('hex')}`;
}

/** Delete every key under `prefix` (SCAN + UNLINK; never FLUSHALL the shared server). */
export async function dropPrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await client.unlink(...keys);
  } while (cursor !== '0');
}
