import assert from 'node:assert/strict';
import { inspectStore } from '../inspect.js';
import type { EntryLeaveEvent } from '../middleware.js';
import type { Cache, Duration } from '../types.js';
import { collect, rejectsWith, sorted } from './assertions.js';
import type { ConformanceKit, Harness } from './kit.js';

/** Memberships of `key` as metadata reports them, as sorted "name=indexKey" strings. */
async function memberships(c: Cache<unknown>, key: string): Promise<string[]> {
  const meta = await c.getMetadata(key);
  return sorted((meta?.indexes ?? []).map((i) => `${i.indexName}=${i.indexKey}`));
}

/** Assert `expiresAt` is `now + ttl`: exact on a fake clock, within the call's window on a real one. */
function assertExpiry(
  h: Harness,
  expiresAt: number | null | undefined,
  from: number,
  to: number,
  ttl: number,
  what: string,
) {
  if (ttl === Number.POSITIVE_INFINITY) {
    assert.equal(expiresAt, null, `${what}: expected expiresAt null (no expiry), got ${String(expiresAt)}`);
    return;
  }
  assert.ok(typeof expiresAt === 'number', `${what}: expected an expiresAt, got ${String(expiresAt)}`);
  if (h.fake) {
    assert.equal(
      expiresAt,
      from + ttl,
      `${what}: expected expiresAt = now + ${ttl} ms = ${from + ttl}, got ${expiresAt}`,
    );
  } else {
    assert.ok(
      expiresAt >= from + ttl - 5 && expiresAt <= to + ttl + 5,
      `${what}: expected expiresAt within [${from + ttl}, ${to + ttl}] (the call's time + ${ttl} ms), got ${expiresAt}`,
    );
  }
}

/** touch(key, ttl?): a new expiry without rewriting the entry. */
export function touchGroup(kit: ConformanceKit): void {
  kit.describe('touch', () => {
    kit.it('touch gives a live entry a new expiry without rewriting it', async (h) => {
      const leaves: EntryLeaveEvent[] = [];
      const c = await h.cache<{ n: number }>({
        middleware: [{ name: 'kit-leaves', onEntryLeave: (e) => void leaves.push(e) }],
      });
      const value = { n: 1 };
      await c.set('k', value, h.shortTtl);
      await h.elapse(h.fake ? 500 : 20);
      const before = await c.getMetadata('k');
      assert.ok(before !== undefined, 'expected the entry to be live before touch');
      const longer = h.fake ? 60_000 : 1_000;
      const from = h.now();
      assert.equal(await c.touch('k', longer), true, 'expected touch of a live entry to return true');
      const to = h.now();
      const after = await c.getMetadata('k');
      assert.ok(after !== undefined, 'expected the entry to be live after touch');
      assertExpiry(h, after.expiresAt, from, to, longer, 'after touch(k, longer)');
      assert.equal(
        after.createdAt,
        before.createdAt,
        `expected touch to keep createdAt ${before.createdAt}, got ${after.createdAt}`,
      );
      // Core's derived touch (a store without Store.touch) rewrites the value through
      // compare-and-set: correct, but only a native touch keeps updatedAt and sends no event.
      const native = inspectStore(c)?.nativeTouch !== false;
      const got = await c.get('k');
      if (native) {
        assert.equal(
          after.updatedAt,
          before.updatedAt,
          `expected touch to keep updatedAt ${before.updatedAt} (it gives a new expiry, it does not rewrite the entry), got ${after.updatedAt}`,
        );
        if (kit.capabilities.referenceValues)
          assert.equal(got, value, 'expected touch to keep the very value object (no rewrite, no copy)');
        const replaced = leaves.filter((e) => e.key === 'k');
        assert.deepEqual(
          replaced.map((e) => e.reason),
          [],
          'expected no leave event for a touched entry (touch rewrites nothing, so nothing is replaced)',
        );
      }
      assert.deepEqual(got, value, 'expected touch to keep the value');
      await h.expireShort();
      assert.deepEqual(await c.get('k'), value, 'expected the entry alive past its old expiry (touch extended it)');
    });

    kit.it('touch can also shorten: the entry expires on the new TTL', async (h) => {
      const c = await h.cache();
      await c.set('k', 'v', Number.POSITIVE_INFINITY);
      assert.equal(await c.touch('k', h.shortTtl), true, 'expected touch of a live entry to return true');
      assert.equal(await c.get('k'), 'v', 'expected the entry alive right after touch');
      await h.expireShort();
      assert.equal(await c.get('k'), undefined, 'expected the entry gone after the shorter TTL touch gave it');
      assert.equal(await c.has('k'), false, 'expected has false after the touched TTL ran out');
    });

    kit.it('touch without a TTL applies the cache default (no expiry when there is none)', async (h) => {
      const withDefault = await h.cache({ ttl: h.shortTtl });
      await withDefault.set('k', 'v', Number.POSITIVE_INFINITY);
      const from = h.now();
      assert.equal(await withDefault.touch('k'), true, 'expected touch of a live entry to return true');
      assertExpiry(
        h,
        (await withDefault.getMetadata('k'))?.expiresAt,
        from,
        h.now(),
        h.shortTtl,
        'touch(k) with a default TTL',
      );
      await h.expireShort();
      assert.equal(
        await withDefault.has('k'),
        false,
        'expected the entry gone after the default TTL that touch gave it',
      );

      const noDefault = await h.cache();
      await noDefault.set('k', 'v', h.shortTtl);
      assert.equal(await noDefault.touch('k'), true, 'expected touch of a live entry to return true');
      assert.equal(
        (await noDefault.getMetadata('k'))?.expiresAt,
        null,
        'expected touch without a TTL on a cache without a default TTL to remove the expiry',
      );
      await h.expireShort();
      assert.equal(await noDefault.get('k'), 'v', 'expected the entry alive: touch made it permanent');
    });

    kit.it('touch with Infinity (number or { ttl }) removes the expiry', async (h) => {
      const c = await h.cache({ ttl: h.shortTtl });
      await c.set('a', 1);
      await c.set('b', 2);
      assert.equal(await c.touch('a', Number.POSITIVE_INFINITY), true, 'expected touch(a, Infinity) to return true');
      assert.equal(
        await c.touch('b', { ttl: Number.POSITIVE_INFINITY }),
        true,
        'expected touch(b, { ttl: Infinity }) to return true',
      );
      for (const k of ['a', 'b']) {
        assert.equal(
          (await c.getMetadata(k))?.expiresAt,
          null,
          `expected expiresAt null for ${k} after touch with Infinity`,
        );
      }
      await h.elapse(h.fake ? 365 * 86_400_000 : 400);
      assert.equal(await c.get('a'), 1, 'expected a alive long after: touch(Infinity) made it permanent');
      assert.equal(await c.get('b'), 2, 'expected b alive long after: touch({ ttl: Infinity }) made it permanent');
    });

    kit.it('touch is false on a miss and on an expired entry, and creates nothing', async (h) => {
      const c = await h.cache();
      assert.equal(
        await c.touch('never', Number.POSITIVE_INFINITY),
        false,
        'expected touch of a key never written to be false',
      );
      assert.equal(await c.has('never'), false, 'expected touch of a miss to create nothing');
      await c.set('gone', 1, h.shortTtl);
      await h.expireShort();
      assert.equal(
        await c.touch('gone', Number.POSITIVE_INFINITY),
        false,
        'expected touch of an expired entry to be false',
      );
      assert.equal(await c.get('gone'), undefined, 'expected touch not to revive an expired entry');
      assert.equal(await c.getMetadata('gone'), undefined, 'expected no metadata for the expired, touched key');
      await c.set('deleted', 1);
      await c.delete('deleted');
      assert.equal(await c.touch('deleted'), false, 'expected touch of a deleted entry to be false');
      assert.deepEqual(await c.getKeysByPattern('*'), [], 'expected touch of misses to leave the cache empty');
      assert.deepEqual(await collect(c.scanKeys('*')), [], 'expected scanKeys to list nothing after touches of misses');
    });

    if (kit.capabilities.indexes) {
      kit.it('index memberships survive touch and follow the new expiry', async (h) => {
        const c = await h.cache();
        await c.set('k', 1, h.shortTtl);
        await c.addIndex('idx', 'k', 'v');
        await c.set('other', 2, h.shortTtl);
        await c.addIndex('idx', 'other', 'v');
        const longer = h.fake ? 60_000 : 1_000;
        assert.equal(await c.touch('k', longer), true, 'expected touch of a live indexed entry to return true');
        assert.deepEqual(await memberships(c, 'k'), ['idx=v'], 'expected touch to keep the entry’s memberships');
        await h.expireShort();
        assert.deepEqual(
          await c.getByIndex('idx', 'v'),
          ['k'],
          'expected the touched key still in getByIndex after its old expiry (and the untouched one gone)',
        );
        assert.deepEqual(await memberships(c, 'k'), ['idx=v'], 'expected the memberships alive past the old expiry');
        await h.elapse(h.fake ? longer : longer + 200);
        assert.deepEqual(
          await c.getByIndex('idx', 'v'),
          [],
          'expected the touched key gone from getByIndex after its new expiry',
        );
        assert.equal(
          await c.deleteByIndex('idx', 'v'),
          0,
          'expected deleteByIndex to find no live member after the new expiry',
        );
        await c.set('k', 3);
        assert.deepEqual(
          await memberships(c, 'k'),
          [],
          'expected a key re-created after expiry to inherit no memberships',
        );
      });
    }

    kit.it('touch validates its arguments like set, and a refused touch changes nothing', async (h) => {
      const c = await h.cache();
      await c.set('k', 'v', h.fake ? 60_000 : 10_000);
      const expiresAt = (await c.getMetadata('k'))?.expiresAt;
      for (const ttl of [0, -1, Number.NaN, Number.NEGATIVE_INFINITY, 'bogus', '']) {
        const label = `touch(k, ${typeof ttl === 'string' ? JSON.stringify(ttl) : String(ttl)})`;
        const e = await rejectsWith(c.touch('k', ttl as Duration), 'INVALID_TTL', label);
        assert.match(
          e.message,
          /Infinity/,
          `expected the INVALID_TTL message of ${label} to say how to express no expiry (Infinity)`,
        );
        assert.equal(e.op, 'touch', `expected the error of ${label} to name the operation touch, got ${String(e.op)}`);
        await rejectsWith(c.touch('k', { ttl: ttl as Duration }), 'INVALID_TTL', `${label} as { ttl }`);
      }
      await rejectsWith(c.touch('', 1_000), 'INVALID_KEY', "touch('')");
      await rejectsWith(c.touch('x'.repeat(1_025), 1_000), 'INVALID_KEY', 'touch of a 1025-byte key');
      await rejectsWith(c.touch(42 as unknown as string, 1_000), 'INVALID_KEY', 'touch of a non-string key');
      await rejectsWith(c.touch('k', { signal: AbortSignal.abort() }), 'ABORTED', 'touch with an aborted signal');
      assert.equal(await c.get('k'), 'v', 'expected refused touches to leave the value');
      assert.equal((await c.getMetadata('k'))?.expiresAt, expiresAt, 'expected refused touches to leave the expiry');
    });
  });
}
