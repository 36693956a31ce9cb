import assert from 'node:assert/strict';
import type { Cache, Duration } from '../types.js';
import { collect, deepEqual, equal, rejectsWith } from './assertions.js';
import type { ConformanceKit } from './kit.js';

const DAY = 86_400_000;
const THIRTY_DAYS = 30 * DAY; // 2,592,000,000 ms: beyond a timer's 2^31-1 ms range

/** TTL: defaults, finite, Infinity, bad TTLs, and that expired entries are never returned. */
export function ttlGroup(kit: ConformanceKit): void {
  kit.describe('ttl', () => {
    kit.it('bad TTLs are refused with INVALID_TTL that says how to express no expiry', async (h) => {
      const c = await h.cache();
      const bad: unknown[] = [0, -1, -1000, Number.NaN, Number.NEGATIVE_INFINITY, 'bogus', '', '5 parsecs', '-5s'];
      for (const ttl of bad) {
        const label = `ttl ${typeof ttl === 'string' ? JSON.stringify(ttl) : String(ttl)}`;
        const e = await rejectsWith(c.set('k', 1, ttl as Duration), 'INVALID_TTL', `set with ${label}`);
        assert.match(e.message, /Infinity/, `the INVALID_TTL message for ${label} says to pass Infinity for no expiry`);
        await rejectsWith(c.set('k', 1, { ttl: ttl as Duration }), 'INVALID_TTL', `set with { ${label} }`);
        await rejectsWith(c.setMany([['k', 1]], ttl as Duration), 'INVALID_TTL', `setMany with ${label}`);
        await rejectsWith(c.setIfNotExists('k', 1, ttl as Duration), 'INVALID_TTL', `setIfNotExists with ${label}`);
        await rejectsWith(c.setIfExists('k', 1, ttl as Duration), 'INVALID_TTL', `setIfExists with ${label}`);
        await rejectsWith(
          c.getOrSet('k', () => 1, ttl as Duration),
          'INVALID_TTL',
          `getOrSet with ${label}`,
        );
        await rejectsWith(
          c.update('k', () => 1, ttl as Duration),
          'INVALID_TTL',
          `update with ${label}`,
        );
      }
      equal(await c.has('k'), false, 'no refused write stored anything');
    });

    kit.it('a bad default TTL is refused when the cache is made', async (h) => {
      for (const ttl of [0, -5, Number.NaN, 'bogus']) {
        await rejectsWith(() => h.cache({ ttl }), 'INVALID_TTL', `cache option ttl ${String(ttl)}`);
      }
    });

    kit.it('no TTL and no default: the entry does not expire', async (h) => {
      const c = await h.cache();
      await c.set('k', 'v');
      equal((await c.getMetadata('k'))?.expiresAt, null, "(c.getMetadata('k'))?.expiresAt");
      await h.elapse(h.fake ? 10 * 365 * DAY : 300);
      equal(await c.get('k'), 'v', "c.get('k')");
    });

    kit.it('Infinity never expires, also over a cache default TTL', async (h) => {
      const c = await h.cache({ ttl: h.shortTtl });
      await c.set('inf', 'v', Number.POSITIVE_INFINITY);
      await c.set('infOpt', 'v', { ttl: Number.POSITIVE_INFINITY });
      equal((await c.getMetadata('inf'))?.expiresAt, null, "(c.getMetadata('inf'))?.expiresAt");
      await h.elapse(h.fake ? 10 * 365 * DAY : 400);
      equal(await c.get('inf'), 'v', "c.get('inf')");
      equal(await c.get('infOpt'), 'v', "c.get('infOpt')");
    });

    kit.it('the cache default TTL applies to writes that give none', async (h) => {
      const c = await h.cache({ ttl: h.shortTtl });
      await c.set('a', 1);
      await c.setMany([['b', 2]]);
      await c.getOrSet('c', () => 3);
      await c.update('d', () => 4);
      await c.setIfNotExists('e', 5);
      for (const k of ['a', 'b', 'c', 'd', 'e']) equal(await c.has(k), true, `${k} is alive at first`);
      await h.expireShort();
      for (const k of ['a', 'b', 'c', 'd', 'e']) equal(await c.has(k), false, `${k} expired on the default TTL`);
    });

    kit.it('a TTL string or number expires the entry after it', async (h) => {
      const c = await h.cache();
      const ttl = h.shortTtl;
      await c.set('num', 1, ttl);
      await c.set('str', 1, `${ttl}ms`);
      await c.set('opt', 1, { ttl });
      for (const k of ['num', 'str', 'opt']) equal(await c.get(k), 1, 'c.get(k)');
      await h.expireShort();
      for (const k of ['num', 'str', 'opt']) equal(await c.get(k), undefined, `${k} expired`);
    });

    kit.it('an overwrite replaces the TTL', async (h) => {
      const c = await h.cache();
      await c.set('k', 1, h.shortTtl);
      await c.set('k', 2, Number.POSITIVE_INFINITY);
      await h.expireShort();
      equal(await c.get('k'), 2, 'the second write made it permanent');
      await c.set('k', 3, h.shortTtl);
      await h.expireShort();
      equal(await c.get('k'), undefined, 'the third write gave it a TTL again');
    });

    kit.it('an expired entry is never returned by any read, pattern or index operation', async (h) => {
      const c = await h.cache();
      // One expired key per read path, so each path is the first to meet its key (no other read
      // has had the chance to clean it up lazily).
      const paths = ['get', 'has', 'getMany', 'getMetadata', 'pattern', 'scan', 'index', 'deleteByPattern'];
      for (const p of paths) {
        await c.set(`${p}:gone`, 'v', h.shortTtl);
        await c.set(`${p}:stay`, 'v');
      }
      if (kit.capabilities.indexes) {
        await c.addIndex('idx', 'index:gone', 'x');
        await c.addIndex('idx', 'index:stay', 'x');
      }
      await h.expireShort();
      equal(await c.get('get:gone'), undefined, 'get of an expired key (first read of it)');
      equal(await c.has('has:gone'), false, 'has of an expired key (first read of it)');
      deepEqual(
        [...(await c.getMany(['getMany:gone', 'getMany:stay'])).keys()],
        ['getMany:stay'],
        'getMany keys found of one expired and one live key',
      );
      equal(await c.getMetadata('getMetadata:gone'), undefined, 'getMetadata of an expired key');
      deepEqual(
        await c.getKeysByPattern('pattern:*'),
        ['pattern:stay'],
        'getKeysByPattern of one expired and one live key',
      );
      deepEqual(await collect(c.scanKeys('scan:*')), ['scan:stay'], 'scanKeys of one expired and one live key');
      if (kit.capabilities.indexes)
        deepEqual(await c.getByIndex('idx', 'x'), ['index:stay'], 'getByIndex of one expired and one live member');
      equal(await c.deleteByPattern('deleteByPattern:*'), 1, 'deleteByPattern counts only the live entry');
      for (const p of paths) await assertGone(c, `${p}:gone`);
      // Writes see an expired entry as absent too.
      await c.set('w1', 'v', h.shortTtl);
      await c.set('w2', 'v', h.shortTtl);
      await c.set('w3', 'v', h.shortTtl);
      await h.expireShort();
      equal(await c.setIfExists('w1', 'w'), false, 'setIfExists on an expired entry');
      equal(await c.delete('w2'), false, 'delete of an expired entry removes nothing live');
      equal(await c.setIfNotExists('w3', 'new'), true, 'setIfNotExists on an expired entry');
      equal(await c.get('w3'), 'new', "c.get('w3')");
    });

    kit.it('update and getOrSet treat an expired entry as a miss', async (h) => {
      const c = await h.cache<number>();
      await c.set('u', 10, h.shortTtl);
      await c.set('g', 10, h.shortTtl);
      await h.expireShort();
      let seen: [number | undefined, boolean] | undefined;
      equal(
        await c.update('u', (old, exists) => {
          seen = [old, exists];
          return 1;
        }),
        1,
        "c.update('u', (old, exists) => { seen = [old, exists]; return 1; })",
      );
      deepEqual(seen, [undefined, false], 'the updater saw a miss');
      let loads = 0;
      equal(await c.getOrSet('g', () => ++loads), 1, 'getOrSet loaded again');
      equal(loads, 1, 'loader calls for a getOrSet of an expired key (a miss loads once)');
      equal(await c.deleteMany(['u', 'g', 'nope']), 2, 'deleteMany counts live entries only');
    });

    if (kit.capabilities.fakeClock) {
      kit.it('the expiry edge is exact: alive at ttl−1 ms, gone at ttl', async (h) => {
        const c = await h.cache();
        await c.set('k', 'v', 5_000);
        h.clock!.advance(4_999);
        equal(await c.get('k'), 'v', 'alive 1 ms before its TTL');
        h.clock!.advance(1);
        equal(await c.get('k'), undefined, 'gone exactly at its TTL');
      });

      kit.it('a 30-day TTL is exact (beyond the 2^31−1 ms timer range)', async (h) => {
        const c = await h.cache();
        const t0 = h.now();
        await c.set('k', 'v', THIRTY_DAYS);
        await c.set('s', 'v', '30d');
        equal((await c.getMetadata('k'))?.expiresAt, t0 + THIRTY_DAYS, "(c.getMetadata('k'))?.expiresAt");
        h.clock!.advance(2 ** 31); // past the point where a setTimeout would have overflowed
        equal(await c.get('k'), 'v', 'alive after 2^31 ms');
        h.clock!.advance(THIRTY_DAYS - 1 - 2 ** 31);
        equal(await c.get('k'), 'v', 'alive at 30 d − 1 ms');
        equal(await c.get('s'), 'v', "'30d' alive at 30 d − 1 ms");
        h.clock!.advance(1);
        equal(await c.get('k'), undefined, 'gone at 30 d');
        equal(await c.get('s'), undefined, "'30d' gone at 30 d");
      });

      kit.it('composite duration strings are exact', async (h) => {
        const c = await h.cache();
        await c.set('k', 'v', '1h30m');
        h.clock!.advance(90 * 60_000 - 1);
        equal(await c.get('k'), 'v', "c.get('k')");
        h.clock!.advance(1);
        equal(await c.get('k'), undefined, "c.get('k')");
      });
    } else {
      kit.it('a 30-day TTL is kept exactly (metadata), and does not expire early', async (h) => {
        const c = await h.cache();
        const before = Date.now();
        await c.set('k', 'v', THIRTY_DAYS);
        const after = Date.now();
        const meta = await c.getMetadata('k');
        assert.ok(meta !== undefined && meta.expiresAt !== null, '30-day entry has an expiry');
        assert.ok(
          meta.expiresAt >= before + THIRTY_DAYS - 1_000 && meta.expiresAt <= after + THIRTY_DAYS + 1_000,
          `expiresAt ${meta.expiresAt} ≈ now + 30 d`,
        );
        await h.elapse(100);
        equal(await c.get('k'), 'v', 'did not expire early (no 32-bit overflow)');
      });
    }
  });
}

/** Assert that every read path reports `key` as absent. */
async function assertGone(c: Cache<unknown>, key: string): Promise<void> {
  equal(await c.get(key), undefined, `get(${key})`);
  equal(await c.has(key), false, `has(${key})`);
  equal((await c.getMany([key])).has(key), false, `getMany([${key}])`);
  equal(await c.getMetadata(key), undefined, `getMetadata(${key})`);
  assert.ok(!(await c.getKeysByPattern('*')).includes(key), `getKeysByPattern('*') lists ${key}`);
  assert.ok(!(await collect(c.scanKeys('*'))).includes(key), `scanKeys('*') lists ${key}`);
}
