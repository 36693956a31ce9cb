import { randomBytes } from 'node:crypto';
import { createCache } from '@gocache/core';
import { redisProvider } from '@gocache/provider-redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyHashing } from './key-hashing.js';
import { secureCleanup } from './secure-cleanup.js';
import { timingProtection } from './timing-protection.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `gcsec-${randomBytes(4).toString('hex')}`;
const TOKEN = `tok_${randomBytes(8).toString('hex')}`;
let client: Redis;

/** Every Redis key under our random prefix (SCAN, never KEYS). */
async function ourKeys(): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out;
}

beforeAll(async () => {
  // Fails (not skips) when Redis is unreachable.
  client = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  await client.connect();
  expect(await client.ping()).toBe('PONG');
});

afterAll(async () => {
  const keys = await ourKeys();
  if (keys.length > 0) await client.unlink(...keys);
  client.disconnect();
});

describe('security middleware on Redis', () => {
  it('keyHashing: no raw token in any Redis key, index sets included; rotation across deploys', async () => {
    const provider = redisProvider({ client, prefix });
    const v1 = createCache<string>(provider, { name: 'sessions', middleware: [keyHashing({ secret: 'v1' })] });
    await v1.set(TOKEN, 'alice', '1h');
    await v1.addIndex('byUser', TOKEN, 'alice');
    await v1.set(`${TOKEN}-revoked`, 'mallory', '1h');
    const keys = await ourKeys();
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((k) => k.includes(TOKEN))).toEqual([]);
    const values = await Promise.all(
      keys.map(async (k) => ((await client.type(k)) === 'set' ? client.smembers(k) : [])),
    );
    expect(values.flat().some((m) => m.includes(TOKEN))).toBe(false);

    // A new deploy with a rotated secret: same Redis, same cache name.
    const hashing = keyHashing({ secret: 'v2', previousSecrets: ['v1'] });
    const v2 = createCache<string>(provider, { name: 'sessions', middleware: [hashing] });
    hashing.bindCache(v2);
    expect(await v2.get(TOKEN)).toBe('alice');
    expect(await v1.get(TOKEN)).toBeUndefined();
    expect(await v2.getByIndex('byUser', 'alice')).toEqual([hashing.hash(TOKEN)]);
    const ttl = (await v2.getMetadata(TOKEN))!.expiresAt! - Date.now();
    expect(ttl).toBeGreaterThan(3_500_000);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
    expect(await v2.delete(`${TOKEN}-revoked`)).toBe(true);
    expect(await v1.get(`${TOKEN}-revoked`)).toBeUndefined();
    await expect(v2.getKeysByPattern('*')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await v2.deleteByIndex('byUser', 'alice')).toBe(1);
    await v1.close();
    await v2.close();
    await provider.close();
  });

  it('timingProtection pads Redis hits, misses and errors', async () => {
    const provider = redisProvider({ client, prefix });
    const cache = createCache<string>(provider, {
      name: 'timing',
      middleware: [timingProtection({ minProcessingTime: 10 })],
    });
    await cache.set('k', 'v');
    for (const run of [() => cache.get('k'), () => cache.get('absent'), () => cache.addIndex('i', 'absent', 'x')]) {
      const t0 = performance.now();
      await run().catch(() => {});
      expect(performance.now() - t0).toBeGreaterThanOrEqual(10);
    }
    await cache.clear();
    await cache.close();
    await provider.close();
  });

  it('secureCleanup has nothing in-process to wipe on Redis and does not interfere', async () => {
    const provider = redisProvider({ client, prefix });
    const cache = createCache<Buffer>(provider, { name: 'wipe', middleware: [secureCleanup()] });
    const secret = Buffer.alloc(16, 7);
    await cache.set('k', secret);
    expect((await cache.get('k'))?.equals(secret)).toBe(true);
    expect(await cache.delete('k')).toBe(true);
    // The caller's Buffer is untouched: Redis held a serialized copy, not this object.
    expect(secret.every((b) => b === 7)).toBe(true);
    await cache.close();
    await provider.close();
  });
});
