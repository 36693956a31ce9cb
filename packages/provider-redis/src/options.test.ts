import { isCacheError } from '@gocache/core';
import { storeConfig } from '@gocache/core/store-kit';
import { describe, expect, it } from 'vitest';
import type { IoredisLike } from './adapters/ioredis.js';
import { redisProvider } from './provider.js';

/** A client-shaped object: enough for the provider to recognise ioredis (no connection is made). */
function fakeIoredis(extra: Partial<IoredisLike> = {}): IoredisLike {
  return {
    status: 'ready',
    callBuffer: async () => null,
    pipeline: () => ({ callBuffer: () => undefined, exec: async () => [] }),
    ...extra,
  };
}

function invalid(fn: () => unknown, message: RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(isCacheError(error, 'INVALID_ARGUMENT')).toBe(true);
  expect((error as Error).message).toMatch(message);
}

describe('redisProvider options', () => {
  it('refuses a missing or unknown client, naming what to pass', () => {
    invalid(() => redisProvider({ client: {} }), /ioredis Redis\/Cluster or a node-redis client/);
    invalid(() => redisProvider(undefined as never), /redisProvider\(\{ client \}\)/);
  });

  it('refuses an ioredis keyPrefix (it would break SCAN and the key layout)', () => {
    invalid(() => redisProvider({ client: fakeIoredis({ options: { keyPrefix: 'app:' } }) }), /prefix option/);
  });

  it('refuses prefixes that could collide or pick a slot', () => {
    for (const prefix of ['', 'a:b', '{x}', 'a b', 'x'.repeat(65)]) {
      invalid(() => redisProvider({ client: fakeIoredis(), prefix }), /prefix must be/);
    }
  });

  it('refuses unknown options and bad values, provider-wide and per cache', () => {
    invalid(
      () => redisProvider({ client: fakeIoredis(), comandTimeout: 5 } as never),
      /unknown option "comandTimeout"/,
    );
    invalid(() => redisProvider({ client: fakeIoredis(), commandTimeout: 0 }), /commandTimeout must be/);
    invalid(
      () => redisProvider({ client: fakeIoredis(), circuitBreaker: { threshold: 1 } } as never),
      /unknown option/,
    );
    invalid(() => redisProvider({ client: fakeIoredis(), lock: { onTimeout: 'wait' } } as never), /lock.onTimeout/);
    invalid(() => redisProvider({ client: fakeIoredis(), onDecodeError: 'ignore' } as never), /onDecodeError/);
    invalid(
      () => redisProvider({ client: fakeIoredis(), serializer: {} } as never),
      /serializer must be \{ name, domain/,
    );
    const codec = { name: 'mine', encode: () => new Uint8Array(), decode: () => null };
    // A custom serializer declares what it round-trips, or opts out of the write-time check.
    invalid(() => redisProvider({ client: fakeIoredis(), serializer: codec } as never), /domain: 'unchecked'/);
    invalid(
      () => redisProvider({ client: fakeIoredis(), serializer: { ...codec, domain: ['date', 'dates'] } } as never),
      /unknown value kinds "dates"/,
    );
    expect(redisProvider({ client: fakeIoredis(), serializer: { ...codec, domain: ['date'] } }).name).toBe('redis');
    expect(redisProvider({ client: fakeIoredis(), serializer: { ...codec, domain: 'unchecked' } }).name).toBe('redis');
    const p = redisProvider({ client: fakeIoredis() });
    const config = storeConfig({
      name: 'c',
    });
    invalid(() => p.createStore({ ...config, providerOptions: { prefix: 'x' } }), /unknown option "prefix"/);
    invalid(() => p.createStore({ ...config, providerOptions: { lock: { ttl: -1 } } }), /lock.ttl/);
    expect(p.createStore({ ...config, providerOptions: { lock: false, compressThreshold: 512 } })).toBeDefined();
  });

  it('declares its capabilities', () => {
    expect(redisProvider({ client: fakeIoredis() }).capabilities).toEqual({
      distributed: true,
      fakeClock: false,
      eviction: false,
      indexes: true,
      referenceValues: false,
      accessTracking: false,
      // One server: WRITE keeps an entry and its derived memberships together (a cluster cannot).
      derivedIndexes: true,
    });
  });
});
