import { createHmac } from 'node:crypto';
import { type CacheProvider, createCache, isCacheError, type Store } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from './audit-event.js';
import { auditLog } from './audit-log.js';
import { keyHashing } from './key-hashing.js';

const TOKEN = 'tok_9f8e7d6c5b4a';
const hmac = (secret: string, key: string) => createHmac('sha256', secret).update(key).digest('base64url');

/** A memory provider that records every string argument its stores receive, and shares a store per name. */
function recordingProvider() {
  const inner = memoryProvider();
  const seen: string[] = [];
  const stores = new Map<string, Store<unknown>>();
  const provider: CacheProvider = {
    name: 'recording',
    specificationVersion: 1,
    capabilities: inner.capabilities,
    createStore<T>(config: Parameters<CacheProvider['createStore']>[0]): Store<T> {
      let store = stores.get(config.name);
      if (store === undefined) {
        store = inner.createStore<unknown>(config);
        stores.set(config.name, store);
      }
      const target = store;
      return new Proxy(target, {
        get(t, prop, recv) {
          const v = Reflect.get(t, prop, recv);
          if (typeof v !== 'function') return v;
          return (...args: unknown[]) => {
            for (const a of args.flat(2)) if (typeof a === 'string') seen.push(a);
            return v.apply(t, args);
          };
        },
      }) as Store<T>;
    },
    close: () => inner.close(),
  };
  return { provider, seen };
}

describe('keyHashing', () => {
  it('stores keys as HMACs; no raw key reaches the store, hooks or the audit log', async () => {
    const { provider, seen } = recordingProvider();
    const hookKeys: (string | undefined)[] = [];
    const audit: AuditEvent[] = [];
    const hashing = keyHashing({ secret: 's1' });
    const cache = createCache<string>(provider, {
      name: 'kh-basic',
      middleware: [hashing, auditLog((e) => audit.push(e), { includeKeys: true })],
      hooks: { preGet: ({ key, keys }) => void hookKeys.push(...(keys ?? [key])) },
    });
    await cache.set(TOKEN, 'alice');
    expect(await cache.get(TOKEN)).toBe('alice');
    expect(await cache.has(TOKEN)).toBe(true);
    expect(await cache.getOrSet(TOKEN, () => 'x')).toBe('alice');
    expect(await cache.update(TOKEN, (v) => `${v}!`)).toBe('alice!');
    expect(await cache.setIfNotExists(TOKEN, 'y')).toBe(false);
    expect((await cache.getMetadata(TOKEN))?.key).toBe(TOKEN);
    await cache.setMany([[`${TOKEN}2`, 'bob']]);
    expect(await cache.getMany([TOKEN, `${TOKEN}2`, 'absent'])).toEqual(
      new Map([
        [TOKEN, 'alice!'],
        [`${TOKEN}2`, 'bob'],
      ]),
    );
    expect(await cache.deleteMany([`${TOKEN}2`])).toBe(1);
    expect(await cache.delete(TOKEN)).toBe(true);

    expect(hashing.hash(TOKEN)).toBe(hmac('s1', TOKEN));
    expect(seen).toContain(hmac('s1', TOKEN));
    expect(seen.some((s) => s.includes(TOKEN))).toBe(false);
    expect(hookKeys.length).toBeGreaterThan(0);
    expect(hookKeys.some((k) => k?.includes(TOKEN))).toBe(false);
    expect(hookKeys).toContain(hmac('s1', TOKEN));
    const loggedKeys = audit.flatMap((e) => (e.kind === 'operation' && e.key !== undefined ? [e.key] : []));
    expect(loggedKeys.length).toBeGreaterThan(0);
    expect(loggedKeys.some((k) => k.includes(TOKEN))).toBe(false);
    await cache.close();
  });

  it('hands the getOrSet loader the caller key, not the HMAC', async () => {
    const cache = createCache<string>(memoryProvider(), {
      name: 'kh-loader',
      middleware: [keyHashing({ secret: 's' })],
    });
    const keys: string[] = [];
    expect(
      await cache.getOrSet(TOKEN, ({ key }) => {
        keys.push(key);
        return 'v';
      }),
    ).toBe('v');
    expect(keys).toEqual([TOKEN]);
    await cache.close();
  });

  it('refuses pattern operations with a clear error', async () => {
    const cache = createCache<string>(memoryProvider(), {
      name: 'kh-pattern',
      middleware: [keyHashing({ secret: 's' })],
    });
    await cache.set('session:1', 'v');
    for (const run of [
      () => cache.getKeysByPattern('session:*'),
      () => cache.deleteByPattern('*'),
      async () => {
        for await (const _ of cache.scanKeys('*'));
      },
    ]) {
      const err = await run().catch((e: unknown) => e);
      expect(isCacheError(err, 'INVALID_ARGUMENT')).toBe(true);
      expect((err as Error).message).toMatch(/keyHashing.*indexes/);
    }
    expect(await cache.get('session:1')).toBe('v');
    await cache.close();
  });

  it('keeps index operations working: getByIndex returns HMACs, deleteByIndex needs no raw keys', async () => {
    const hashing = keyHashing({ secret: 's' });
    const cache = createCache<string>(memoryProvider(), { name: 'kh-index', middleware: [hashing] });
    await cache.set(TOKEN, 'alice');
    await cache.set('other', 'bob');
    await cache.addIndex('byUser', TOKEN, 'u1');
    await cache.addIndex('byUser', 'other', 'u1');
    expect((await cache.getByIndex('byUser', 'u1')).sort()).toEqual(
      [hashing.hash(TOKEN), hashing.hash('other')].sort(),
    );
    await cache.removeIndex('byUser', 'other', 'u1');
    expect(await cache.getByIndex('byUser', 'u1')).toEqual([hashing.hash(TOKEN)]);
    expect(await cache.deleteByIndex('byUser', 'u1')).toBe(1);
    expect(await cache.get(TOKEN)).toBeUndefined();
    await cache.close();
  });

  it('rotation: reads under a previous secret move the entry to the current hash, keeping TTL and indexes', async () => {
    const { provider, seen } = recordingProvider();
    let now = 5_000_000;
    const clock = { now: () => now };
    const before = createCache<string>(provider, {
      name: 'kh-rot',
      clock,
      middleware: [keyHashing({ secret: 'old' })],
    });
    await before.set(TOKEN, 'alice', '1h');
    await before.addIndex('byUser', TOKEN, 'u1');
    await before.set('gone', 'x');

    const hashing = keyHashing({ secret: 'new', previousSecrets: ['old'], now: clock.now });
    const after = createCache<string>(provider, { name: 'kh-rot', clock, middleware: [hashing] });
    hashing.bindCache(after);
    now += 60_000;
    expect(await after.get(TOKEN)).toBe('alice');
    expect(seen).toContain(hmac('new', TOKEN));
    const meta = await after.getMetadata(TOKEN);
    expect(meta?.indexes).toEqual([{ indexName: 'byUser', indexKey: 'u1' }]);
    expect(meta!.expiresAt! - now).toBe(3_600_000 - 60_000); // the remaining TTL carried over
    expect(await after.getByIndex('byUser', 'u1')).toEqual([hashing.hash(TOKEN)]);
    // The old-secret entry is gone.
    expect(await before.get(TOKEN)).toBeUndefined();

    // A delete under rotation removes the entry under every secret, so nothing can migrate back.
    expect(await after.delete('gone')).toBe(true);
    expect(await before.get('gone')).toBeUndefined();
    expect(await after.get('gone')).toBeUndefined();
    await after.close();
  });

  it('rotation without bindCache fails with a message that says what to call', async () => {
    const cache = createCache<string>(memoryProvider(), {
      name: 'kh-unbound',
      middleware: [keyHashing({ secret: 'new', previousSecrets: ['old'] })],
    });
    await expect(cache.get('k')).rejects.toThrow(/bindCache/);
    await cache.close();
  });

  it('rejects missing or empty secrets', () => {
    expect(() => keyHashing({} as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => keyHashing({ secret: '' })).toThrow(/secret/);
    expect(() => keyHashing({ secret: 's', previousSecrets: [''] })).toThrow(/previousSecrets\[0\]/);
    expect(() => keyHashing({ secret: 's', algorithm: 'nope' })).toThrow(/algorithm/);
  });
});
