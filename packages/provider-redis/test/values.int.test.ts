import { type CacheMetrics, createCache, createInProcessMetrics, isCacheError } from '@gocache/core';
import { afterAll, describe, expect, it } from 'vitest';
import { cborSerializer, jsonSerializer, redisProvider } from '../src/index.js';
import { KeyLayout } from '../src/key-layout.js';
import { dropPrefix, ioredisClient, testPrefix } from './clients.js';

const io = await ioredisClient();
const prefix = testPrefix();

afterAll(async () => {
  await dropPrefix(io, prefix);
  io.disconnect();
});

function recordingMetrics() {
  const events: { type: string; severity: string; metadata?: Record<string, unknown> }[] = [];
  const base = createInProcessMetrics();
  const metrics: CacheMetrics = {
    ...base,
    recordHit: (l) => base.recordHit(l),
    recordMiss: (l) => base.recordMiss(l),
    recordOperation: (...a) => base.recordOperation(...a),
    recordTimingProtection: (...a) => base.recordTimingProtection(...a),
    getOperationLatencyPercentiles: (op) => base.getOperationLatencyPercentiles(op),
    recordSecurityEvent: (type, severity, metadata) => {
      events.push({ type, severity, ...(metadata === undefined ? {} : { metadata }) });
    },
  };
  return { metrics, events };
}

const entryKey = (cache: string, key: string) => new KeyLayout(prefix, cache).entry(key);

describe('stored bytes', () => {
  it('corrupt bytes give SERIALIZATION and a security event, never a crash', async () => {
    const { metrics, events } = recordingMetrics();
    const c = createCache<unknown>(redisProvider({ client: io, prefix }), { name: 'corrupt', metrics });
    await c.set('k', { a: 1 });
    await io.hset(entryKey('corrupt', 'k'), 'v', Buffer.from([0x67, 1, 0xff, 0x00, 0x13]));
    const err = await c.get('k').catch((e: unknown) => e);
    expect(isCacheError(err, 'SERIALIZATION')).toBe(true);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'deserialization_failure',
        severity: 'high',
        metadata: expect.objectContaining({ key: 'k' }),
      }),
    );
    await expect(c.getMany(['k'])).rejects.toSatisfy((e) => isCacheError(e, 'SERIALIZATION'));
    await c.set('k', 'healed'); // a write replaces the bad bytes
    expect(await c.get('k')).toBe('healed');
    await c.close();
  });

  it("onDecodeError: 'miss' reads foreign bytes as a miss (still recorded) and update can replace them", async () => {
    const { metrics, events } = recordingMetrics();
    const c = createCache<number>(redisProvider({ client: io, prefix, onDecodeError: 'miss' }), {
      name: 'lenient',
      metrics,
    });
    await c.set('n', 1);
    await io.hset(entryKey('lenient', 'n'), 'v', 'written by some other program');
    expect(await c.get('n')).toBeUndefined();
    expect(events.length).toBe(1);
    expect(await c.update('n', (old, exists) => (exists ? (old ?? 0) + 100 : 7))).toBe(7);
    expect(await c.get('n')).toBe(7);
    await c.close();
  });

  it('a foreign data type under an entry key is SERIALIZATION on read (recorded) and replaced by set', async () => {
    const { metrics, events } = recordingMetrics();
    const c = createCache<string>(redisProvider({ client: io, prefix }), { name: 'foreign', metrics });
    await io.set(entryKey('foreign', 'k'), 'plain string');
    await expect(c.get('k')).rejects.toSatisfy((e) => isCacheError(e, 'SERIALIZATION'));
    await expect(c.getMany(['k', 'other'])).rejects.toSatisfy((e) => isCacheError(e, 'SERIALIZATION'));
    await expect(c.update('k', () => 'x')).rejects.toSatisfy((e) => isCacheError(e, 'SERIALIZATION'));
    expect(events.map((e) => [e.type, e.severity, e.metadata?.op])).toEqual([
      ['deserialization_failure', 'high', 'get'],
      ['deserialization_failure', 'high', 'getMany'],
      ['deserialization_failure', 'high', 'update'],
    ]);
    expect(String(events[0]!.metadata?.reason)).toMatch(/foreign Redis data type/);
    expect(await c.delete('k')).toBe(true);
    await io.set(entryKey('foreign', 'k'), 'plain string');
    await c.set('k', 'mine');
    expect(await c.get('k')).toBe('mine');
    await c.close();
  });

  it("onDecodeError: 'miss' reads a foreign data type as a miss (recorded), and update and getOrSet replace it", async () => {
    const { metrics, events } = recordingMetrics();
    const c = createCache<number>(redisProvider({ client: io, prefix, onDecodeError: 'miss' }), {
      name: 'lenient-type',
      metrics,
    });
    await io.set(entryKey('lenient-type', 'a'), 'plain string');
    await io.rpush(entryKey('lenient-type', 'b'), 'a list');
    expect(await c.get('a')).toBeUndefined();
    expect([...(await c.getMany(['a', 'b']))]).toEqual([]);
    expect(events.length).toBe(3);
    expect(await c.update('a', (old, exists) => (exists ? (old ?? 0) + 100 : 7))).toBe(7);
    expect(await c.get('a')).toBe(7);
    expect(await c.getOrSet('b', () => 8)).toBe(8);
    expect(await c.get('b')).toBe(8);
    expect(await io.type(entryKey('lenient-type', 'b'))).toBe('hash');
    // Conditional writes never replace data they did not write.
    await io.set(entryKey('lenient-type', 'c'), 'plain string');
    await expect(c.setIfNotExists('c', 1)).rejects.toSatisfy((e) => isCacheError(e, 'SERIALIZATION'));
    await c.close();
  });

  it('__proto__ payloads read back without polluting prototypes', async () => {
    const c = createCache<Record<string, unknown>>(redisProvider({ client: io, prefix }), { name: 'proto' });
    const evil = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}');
    // The provider refuses to write an own __proto__ key (it could not be read back); another writer may.
    await expect(c.set('k', evil)).rejects.toSatisfy((e) => isCacheError(e, 'SERIALIZATION'));
    await c.set('k', { ok: 0 });
    await io.hset(entryKey('proto', 'k'), 'v', Buffer.concat([Buffer.from([0x67, 1]), cborSerializer().encode(evil)]));
    const v = await c.get('k');
    expect(v?.ok).toBe(1);
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await c.close();
  });

  it('JSON serializer and compression are chosen per cache through providerOptions', async () => {
    const provider = redisProvider({ client: io, prefix });
    const c = createCache<string>(provider, {
      name: 'packed',
      providerOptions: { serializer: jsonSerializer(), compressThreshold: 64 },
    });
    const big = 'abc'.repeat(10_000);
    await c.set('big', big);
    expect(await c.get('big')).toBe(big);
    expect(await io.hstrlen(entryKey('packed', 'big'), 'v')).toBeLessThan(1000);
    expect((await c.getMetadata('big'))?.sizeBytes).toBeLessThan(1000);
    await c.set('small', 'x');
    const raw = await io.hgetBuffer(entryKey('packed', 'small'), 'v');
    expect(raw?.subarray(2).toString()).toBe('"x"');
    await c.close();
    expect(() => createCache(provider, { name: 'bad', providerOptions: { compresThreshold: 1 } })).toThrow(
      /unknown option "compresThreshold"/,
    );
  });

  it('long TTLs are exact: a 30-day entry expires in 30 days, not now and not never', async () => {
    const c = createCache<string>(redisProvider({ client: io, prefix }), { name: 'long' });
    const before = Date.now();
    await c.set('s', 'session', '30d');
    const meta = await c.getMetadata('s');
    const month = 30 * 24 * 3600 * 1000;
    expect(meta?.expiresAt).toBeGreaterThanOrEqual(before + month - 1000);
    expect(meta?.expiresAt).toBeLessThanOrEqual(Date.now() + month + 1000);
    const pttl = await io.pttl(entryKey('long', 's'));
    expect(pttl).toBeGreaterThan(month - 5000);
    expect(pttl).toBeLessThanOrEqual(month);
    await c.set('forever', 'x', Number.POSITIVE_INFINITY);
    expect(await io.pttl(entryKey('long', 'forever'))).toBe(-1);
    await c.close();
  });
});

describe('exact values', () => {
  class Session {
    user = 'ada';
  }

  it('a value the serializer would change is refused with SERIALIZATION naming the loss; nothing is written', async () => {
    const provider = redisProvider({ client: io, prefix });
    const json = createCache<unknown>(provider, {
      name: 'exact-json',
      providerOptions: { serializer: jsonSerializer() },
    });
    const cbor = createCache<unknown>(provider, { name: 'exact-cbor' });
    const refused = async (p: Promise<unknown>, message: RegExp) => {
      const e = await p.catch((x: unknown) => x);
      expect(isCacheError(e, 'SERIALIZATION')).toBe(true);
      expect((e as Error).message).toMatch(message);
      return e as Error & { key?: string; op?: string };
    };
    const e = await refused(
      json.set('s', { token: Buffer.from('t') }),
      /json serializer cannot store this value exactly: a Buffer .* at \.token/,
    );
    expect(e.message).toContain('"exact-json"');
    await refused(cbor.set('s', { cache: new WeakMap() }), /a WeakMap .* at \.cache/);
    await refused(cbor.set('s', { n: -0 }), /-0 .* at \.n/);
    await refused(cbor.set('s', new Session()), /an instance of class Session .* at \./);
    await refused(cbor.set('s', { cb: () => 1 }), /a function .* at \.cb/);
    await refused(json.set('s', { x: [undefined] }), /undefined in an array .* at \.x\[0\]/);
    // Every write path checks: batch, conditional, update, getOrSet.
    await refused(
      cbor.setMany([
        ['a', 1],
        ['b', { s: Symbol('x') }],
      ]),
      /a symbol at \.s/,
    );
    await refused(cbor.setIfNotExists('s', new Array(2).fill(1, 1)), /a hole/);
    await refused(
      cbor.update('s', () => ({ m: new Map([['k', new WeakSet()]]) })),
      /a WeakSet .* at \.m\.get\("k"\)/,
    );
    await refused(
      json.getOrSet('s', () => ({ at: new Date() })),
      /a Date .* at \.at/,
    );
    for (const c of [json, cbor]) {
      expect(await c.get('s')).toBeUndefined();
      expect(await c.get('a')).toBeUndefined(); // setMany wrote nothing: the check runs before any command
    }
    // What each serializer keeps is written and read back exactly.
    const exact = {
      d: new Date(1_700_000_000_123),
      m: new Map([[1, new Set([2n])]]),
      b: Buffer.from('x'),
      u: [undefined],
    };
    await cbor.set('ok', exact);
    expect(await cbor.get('ok')).toStrictEqual(exact);
    await json.set('ok', { s: 'a\ud800', n: [1.5, null] });
    expect(await json.get('ok')).toStrictEqual({ s: 'a\ud800', n: [1.5, null] });
    await Promise.all([json.close(), cbor.close()]);
  });

  it('values already stored are read as they are (the check is on writes only)', async () => {
    const c = createCache<unknown>(redisProvider({ client: io, prefix }), {
      name: 'exact-old',
      providerOptions: { serializer: jsonSerializer() },
    });
    await c.set('k', { v: 1 });
    // What an earlier version wrote for { token: Buffer }: still readable, unchanged.
    await io.hset(
      entryKey('exact-old', 'k'),
      'v',
      Buffer.from('\x67\x01{"token":{"type":"Buffer","data":[1]}}', 'latin1'),
    );
    expect(await c.get('k')).toStrictEqual({ token: { type: 'Buffer', data: [1] } });
    await c.close();
  });

  it("a custom serializer declares its domain, or opts out with 'unchecked'", async () => {
    const provider = redisProvider({ client: io, prefix });
    const base = jsonSerializer();
    const trusted = createCache<unknown>(provider, {
      name: 'exact-custom',
      providerOptions: { serializer: { ...base, name: 'trusted-json', domain: 'unchecked' } },
    });
    await trusted.set('k', { at: new Date(0) }); // the serializer's own business now
    expect(await trusted.get('k')).toEqual({ at: '1970-01-01T00:00:00.000Z' });
    expect(() =>
      createCache(provider, {
        name: 'exact-bad',
        providerOptions: { serializer: { name: 'x', encode: base.encode, decode: base.decode } as never },
      }),
    ).toThrow(/domain: 'unchecked'/);
    await trusted.close();
  });
});
