import assert from 'node:assert/strict';
import { inspectStore } from '../inspect.js';
import { deepEqual, equal } from './assertions.js';
import type { ConformanceKit } from './kit.js';

/** getMetadata: timestamps, expiry, indexes, access tracking. */
export function metadataGroup(kit: ConformanceKit): void {
  kit.describe('metadata', () => {
    kit.it('undefined for a missing or expired key', async (h) => {
      const c = await h.cache();
      equal(await c.getMetadata('missing'), undefined, "c.getMetadata('missing')");
      await c.set('short', 1, h.shortTtl);
      await h.expireShort();
      equal(await c.getMetadata('short'), undefined, "c.getMetadata('short')");
    });

    kit.it('createdAt, updatedAt and expiresAt follow writes', async (h) => {
      const c = await h.cache();
      const t0 = h.now();
      await c.set('k', 1, 60_000);
      const t1 = h.now();
      const m1 = await c.getMetadata('k');
      assert.ok(m1 !== undefined, 'expected m1 !== undefined');
      equal(m1.key, 'k', 'the key getMetadata reports');
      assert.ok(m1.createdAt >= t0 && m1.createdAt <= t1, `createdAt ${m1.createdAt} within [${t0}, ${t1}]`);
      equal(m1.updatedAt, m1.createdAt, 'first write: updatedAt = createdAt');
      assert.ok(
        m1.expiresAt !== null && m1.expiresAt >= t0 + 60_000 && m1.expiresAt <= t1 + 60_000,
        'expiresAt = write time + ttl',
      );
      deepEqual(m1.indexes, [], 'the indexes of an entry never indexed');
      if (m1.sizeBytes !== undefined) assert.ok(m1.sizeBytes >= 0, 'sizeBytes is a size');
      await h.elapse(h.fake ? 5_000 : 20);
      await c.set('k', 2);
      const m2 = await c.getMetadata('k');
      assert.ok(m2 !== undefined, 'expected m2 !== undefined');
      equal(m2.createdAt, m1.createdAt, 'an overwrite keeps createdAt');
      assert.ok(m2.updatedAt > m1.updatedAt, 'an overwrite moves updatedAt');
      equal(m2.expiresAt, null, 'an overwrite without TTL (and no default) has no expiry');
      if (h.fake) equal(m2.updatedAt, t0 + 5_000, 'updatedAt of an overwrite 5 s (fake time) after the first write');
      await h.elapse(h.fake ? 1_000 : 20);
      await c.update('k', (o) => o);
      const m3 = await c.getMetadata('k');
      equal(m3?.createdAt, m1.createdAt, 'update keeps createdAt');
      assert.ok(m3 !== undefined && m3.updatedAt > m2.updatedAt, 'update moves updatedAt');
      await c.delete('k');
      await h.elapse(h.fake ? 1_000 : 20);
      await c.set('k', 3);
      const m4 = await c.getMetadata('k');
      assert.ok(m4 !== undefined && m4.createdAt > m1.createdAt, 'a re-created entry has a new createdAt');
    });

    kit.it('getEntry returns the value get returns with the expiresAt getMetadata reports, or a miss', async (h) => {
      const c = await h.cache();
      // The store's own getEntry, or core's fallback (get + getMetadata) where it has none.
      const getEntry = inspectStore(c)?.getEntry;
      if (getEntry === undefined) return; // not a cache of this core: its store cannot be reached
      const agrees = async (key: string, what: string) => {
        const value = await c.get(key);
        const meta = await c.getMetadata(key);
        const entry = await getEntry(key);
        assert.ok(value !== undefined && meta !== undefined, `expected ${what} to be live`);
        assert.ok(entry !== undefined, `expected getEntry('${key}') to find ${what}, got undefined`);
        deepEqual(entry.value, value, `the value getEntry('${key}') returns for ${what} (get returns it)`);
        equal(entry.expiresAt, meta.expiresAt, `the expiresAt getEntry('${key}') returns for ${what} (getMetadata's)`);
        return entry;
      };
      equal(await getEntry('missing'), undefined, "getEntry('missing')");
      const t0 = h.now();
      await c.set('k', { n: 1, s: 'one' }, 60_000);
      const t1 = h.now();
      const first = await agrees('k', 'an entry with a 60 s TTL');
      assert.ok(
        first.expiresAt !== null && first.expiresAt >= t0 + 60_000 && first.expiresAt <= t1 + 60_000,
        `expected getEntry's expiresAt to be write time + 60 s, within [${t0 + 60_000}, ${t1 + 60_000}], got ${first.expiresAt}`,
      );
      await c.set('k', { n: 2, s: 'two' }, 120_000);
      const second = await agrees('k', 'the entry overwritten with a 120 s TTL');
      assert.ok(
        second.expiresAt !== null && second.expiresAt > first.expiresAt,
        `expected the overwrite's later expiry from getEntry, got ${second.expiresAt} (first write: ${first.expiresAt})`,
      );
      await c.set('forever', 'v');
      equal((await agrees('forever', 'an entry without TTL')).expiresAt, null, 'getEntry expiresAt without TTL');
      await c.delete('k');
      equal(await getEntry('k'), undefined, "getEntry('k') after delete");
      await c.set('short', 1, h.shortTtl);
      await h.expireShort();
      equal(await getEntry('short'), undefined, "getEntry('short') once its TTL passed");
      if (kit.capabilities.accessTracking) {
        const before = (await c.getMetadata('forever'))?.hits;
        await getEntry('forever');
        const after = (await c.getMetadata('forever'))?.hits;
        assert.ok(
          before !== undefined && after === before + 1,
          `expected getEntry to count one hit like get: hits ${before} → ${after}`,
        );
      }
    });

    if (kit.capabilities.indexes) {
      kit.it('lists the entry’s indexes', async (h) => {
        const c = await h.cache();
        await c.set('k', 1);
        await c.addIndex('a', 'k', 'x');
        await c.addIndex('b', 'k', 'y');
        const meta = await c.getMetadata('k');
        const listed = (meta?.indexes ?? []).map((i) => `${i.indexName}=${i.indexKey}`).sort();
        deepEqual(listed, ['a=x', 'b=y'], 'the memberships getMetadata lists after two addIndex calls');
      });
    }

    if (kit.capabilities.accessTracking) {
      kit.it('tracks hits and lastAccessedAt', async (h) => {
        const c = await h.cache();
        await c.set('k', 1);
        await h.elapse(h.fake ? 1_000 : 10);
        const before = h.now();
        await c.get('k');
        await c.get('k');
        const meta = await c.getMetadata('k');
        equal(meta?.hits, 2, 'two gets are two hits');
        assert.ok(
          meta?.lastAccessedAt !== undefined && meta.lastAccessedAt >= before,
          'lastAccessedAt is the last read',
        );
      });
    }
  });
}
