import { type Cache, type CacheOptions, createCache, createInProcessMetrics } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from './audit-event.js';
import { secureCleanup } from './secure-cleanup.js';

interface Secret {
  token: Buffer;
  nested?: { keys: Uint8Array[] };
}

const zero = (b: Uint8Array) => b.every((x) => x === 0);
const secret = (n = 32) => Buffer.alloc(n, 0xab);

function setup(extra: Partial<CacheOptions<Secret>> = {}) {
  const metrics = createInProcessMetrics();
  const audit: AuditEvent[] = [];
  let now = 1_000_000;
  const cache = createCache<Secret>(memoryProvider(), {
    name: `sc-${Math.random().toString(36).slice(2)}`,
    metrics,
    clock: { now: () => now },
    indexes: { byUser: 'session:*' },
    middleware: [secureCleanup({ audit: (e) => audit.push(e) })],
    ...extra,
  });
  return { cache, metrics, audit, advance: (ms: number) => (now += ms) };
}

async function indexed(cache: Cache<Secret>, key: string, value: Secret) {
  await cache.set(key, value);
  await cache.addIndex('byUser', key, 'u1');
}

describe('secureCleanup', () => {
  it('wipes on delete and removes the index reference', async () => {
    const { cache, metrics, audit } = setup();
    const s = { token: secret() };
    await indexed(cache, 'session:1', s);
    expect(await cache.delete('session:1')).toBe(true);
    expect(zero(s.token)).toBe(true);
    expect(await cache.getByIndex('byUser', 'u1')).toEqual([]);
    expect(metrics.snapshot().securityEvents.secure_cleanup).toBe(1);
    expect(audit).toEqual([
      expect.objectContaining({ kind: 'secure_cleanup', reason: 'deleted', wiped: 1, bytes: 32, kept: 0 }),
    ]);
    await cache.close();
  });

  it('wipes the old value on overwrite, but never bytes the new value still uses', async () => {
    const { cache } = setup();
    const old = { token: secret() };
    await cache.set('session:1', old);
    const next = { token: secret() };
    await cache.set('session:1', next);
    expect(zero(old.token)).toBe(true);
    expect(zero(next.token)).toBe(false);

    // A new object around the same Buffer: the Buffer stays intact.
    await cache.set('session:1', { token: next.token });
    expect(zero(next.token)).toBe(false);
    // The very same object re-set is no departure at all.
    const same = (await cache.get('session:1'))!;
    await cache.set('session:1', same);
    expect(zero(same.token)).toBe(false);
    expect((await cache.get('session:1'))!.token.equals(secret())).toBe(true);
    await cache.close();
  });

  it('does not wipe a value that an updater mutated and returned', async () => {
    const { cache } = setup();
    const s: Secret = { token: secret(), nested: { keys: [new Uint8Array(8).fill(7)] } };
    await cache.set('session:1', s);
    const updated = await cache.update('session:1', (old) => ({
      ...old!,
      nested: { keys: [new Uint8Array(4).fill(1)] },
    }));
    expect(zero(updated.token)).toBe(false); // shared with the old value, still in use
    expect(zero(s.nested!.keys[0]!)).toBe(true); // only the old value had it
    await cache.close();
  });

  it('wipes through setMany, setIfExists and deleteMany', async () => {
    const { cache } = setup();
    const a = { token: secret() };
    const b = { token: secret() };
    await cache.setMany([
      ['a', a],
      ['b', b],
    ]);
    const a2 = { token: secret() };
    await cache.setMany([['a', a2]]);
    expect(zero(a.token)).toBe(true);
    await cache.setIfExists('a', { token: secret() });
    expect(zero(a2.token)).toBe(true);
    expect(await cache.deleteMany(['b'])).toBe(1);
    expect(zero(b.token)).toBe(true);
    await cache.close();
  });

  it('wipes on expiry', async () => {
    const { cache, advance } = setup();
    const s = { token: secret() };
    await indexed(cache, 'session:1', s);
    await cache.set('session:1', s, '1s');
    advance(1001);
    expect(await cache.get('session:1')).toBeUndefined();
    expect(zero(s.token)).toBe(true);
    expect(await cache.getByIndex('byUser', 'u1')).toEqual([]);
    await cache.close();
  });

  it('wipes on eviction', async () => {
    const { cache, audit } = setup({ maxEntries: 1 });
    const first = { token: secret() };
    await indexed(cache, 'session:1', first);
    await cache.set('session:2', { token: secret() });
    expect(zero(first.token)).toBe(true);
    expect(audit.map((e) => e.kind === 'secure_cleanup' && e.reason)).toContain('evicted');
    expect(await cache.getByIndex('byUser', 'u1')).toEqual([]);
    await cache.close();
  });

  it('wipes on clear, deleteByIndex and close', async () => {
    const { cache } = setup();
    const viaClear = { token: secret() };
    await indexed(cache, 'session:1', viaClear);
    await cache.clear();
    expect(zero(viaClear.token)).toBe(true);
    expect(await cache.getByIndex('byUser', 'u1')).toEqual([]);

    const viaIndex = { token: secret() };
    await indexed(cache, 'session:2', viaIndex);
    expect(await cache.deleteByIndex('byUser', 'u1')).toBe(1);
    expect(zero(viaIndex.token)).toBe(true);

    const viaClose = { token: secret() };
    await indexed(cache, 'session:3', viaClose);
    await cache.close();
    expect(zero(viaClose.token)).toBe(true);
  });

  it('finds typed arrays, DataViews and ArrayBuffers in arrays, Maps, Sets and cycles', async () => {
    const cache = createCache<unknown>(memoryProvider(), { name: 'sc-deep', middleware: [secureCleanup()] });
    const u16 = new Uint16Array(4).fill(0xffff);
    const ab = new ArrayBuffer(8);
    new Uint8Array(ab).fill(9);
    const dv = new DataView(new ArrayBuffer(4));
    dv.setUint32(0, 0xdeadbeef);
    const cyclic: Record<string, unknown> = { list: [u16], map: new Map([['k', ab]]), set: new Set([dv]) };
    cyclic.self = cyclic;
    await cache.set('k', cyclic);
    await cache.delete('k');
    expect(zero(new Uint8Array(u16.buffer))).toBe(true);
    expect(zero(new Uint8Array(ab))).toBe(true);
    expect(dv.getUint32(0)).toBe(0);
    await cache.close();
  });

  it('stops at the configured depth', async () => {
    const cache = createCache<unknown>(memoryProvider(), {
      name: 'sc-depth',
      middleware: [secureCleanup({ depth: 1 })],
    });
    const shallow = secret(4);
    const deep = secret(4);
    await cache.set('k', { shallow, a: { b: { deep } } });
    await cache.delete('k');
    expect(zero(shallow)).toBe(true);
    expect(zero(deep)).toBe(false);
    await cache.close();
  });

  it('wipes only the bytes of a pooled Buffer, not its neighbours in the pool', async () => {
    const cache = createCache<Buffer>(memoryProvider(), { name: 'sc-pool', middleware: [secureCleanup()] });
    const mine = Buffer.from('secret-token');
    const neighbour = Buffer.from('keep-me');
    await cache.set('k', mine);
    await cache.delete('k');
    expect(zero(mine)).toBe(true);
    expect(neighbour.toString()).toBe('keep-me');
    await cache.close();
  });

  it('rejects a bad depth', () => {
    expect(() => secureCleanup({ depth: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
