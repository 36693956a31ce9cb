import assert from 'node:assert/strict';
import type { Cache } from '../types.js';
import { rejectsWith, sorted } from './assertions.js';
import type { ConformanceKit } from './kit.js';

/** Memberships of `key` as metadata reports them, as sorted "name=indexKey" strings. */
async function memberships(c: Cache<unknown>, key: string): Promise<string[]> {
  const meta = await c.getMetadata(key);
  return sorted((meta?.indexes ?? []).map((i) => `${i.indexName}=${i.indexKey}`));
}

/** addIndex / removeIndex / getByIndex / deleteByIndex, admission patterns, and hygiene under churn. */
export function indexGroup(kit: ConformanceKit): void {
  if (!kit.capabilities.indexes) {
    kit.describe('indexes (not claimed)', () => {
      kit.it('every index operation rejects with INVALID_ARGUMENT', async (h) => {
        const c = await h.cache();
        await c.set('k', 1);
        await rejectsWith(c.addIndex('i', 'k', 'v'), 'INVALID_ARGUMENT', 'addIndex without index support');
        await rejectsWith(c.removeIndex('i', 'k', 'v'), 'INVALID_ARGUMENT', 'removeIndex without index support');
        await rejectsWith(c.getByIndex('i', 'v'), 'INVALID_ARGUMENT', 'getByIndex without index support');
        await rejectsWith(c.deleteByIndex('i', 'v'), 'INVALID_ARGUMENT', 'deleteByIndex without index support');
        assert.equal(await c.get('k'), 1);
      });
    });
    return;
  }
  kit.describe('indexes', () => {
    kit.it('addIndex / getByIndex / removeIndex', async (h) => {
      const c = await h.cache();
      await c.setMany({ a: 1, b: 2, c: 3 });
      await c.addIndex('byUser', 'a', 'u1');
      await c.addIndex('byUser', 'b', 'u1');
      await c.addIndex('byUser', 'c', 'u2');
      await c.addIndex('byRole', 'a', 'admin');
      await c.addIndex('byUser', 'a', 'u1'); // idempotent
      assert.deepEqual(sorted(await c.getByIndex('byUser', 'u1')), ['a', 'b']);
      assert.deepEqual(await c.getByIndex('byUser', 'u2'), ['c']);
      assert.deepEqual(await c.getByIndex('byRole', 'admin'), ['a']);
      assert.deepEqual(await c.getByIndex('byUser', 'nobody'), []);
      assert.deepEqual(await c.getByIndex('noSuchIndex', 'u1'), []);
      await c.removeIndex('byUser', 'a', 'u1');
      assert.deepEqual(await c.getByIndex('byUser', 'u1'), ['b']);
      assert.equal(await c.get('a'), 1, 'removeIndex leaves the entry');
      await c.removeIndex('byUser', 'a', 'u1'); // not a member: fine
      await c.removeIndex('byUser', 'missing', 'u1');
      assert.deepEqual(await memberships(c, 'a'), ['byRole=admin']);
    });

    kit.it('a key may sit under several index keys of one index', async (h) => {
      const c = await h.cache();
      await c.set('doc', 1);
      await c.addIndex('tag', 'doc', 'red');
      await c.addIndex('tag', 'doc', 'blue');
      assert.deepEqual(await c.getByIndex('tag', 'red'), ['doc']);
      assert.deepEqual(await c.getByIndex('tag', 'blue'), ['doc']);
      assert.deepEqual(await memberships(c, 'doc'), ['tag=blue', 'tag=red']);
    });

    kit.it('addIndex on a missing or expired key is NOT_FOUND', async (h) => {
      const c = await h.cache();
      await rejectsWith(c.addIndex('idx', 'missing', 'v'), 'NOT_FOUND', 'addIndex of a missing key');
      await c.set('short', 1, h.shortTtl);
      await h.expireShort();
      await rejectsWith(c.addIndex('idx', 'short', 'v'), 'NOT_FOUND', 'addIndex of an expired key');
      assert.deepEqual(await c.getByIndex('idx', 'v'), []);
    });

    kit.it('a declared index refuses keys outside its pattern with INVALID_ARGUMENT', async (h) => {
      const c = await h.cache({ indexes: { idx: 'session:*' } });
      await c.set('session:1', 1);
      await c.set('user:1', 1);
      await c.addIndex('idx', 'session:1', 'u');
      await rejectsWith(
        c.addIndex('idx', 'user:1', 'u'),
        'INVALID_ARGUMENT',
        "addIndex of 'user:1' to idx (session:*)",
      );
      assert.deepEqual(await c.getByIndex('idx', 'u'), ['session:1']);
    });

    kit.it('getByIndex never returns a deleted, expired, cleared or pattern-deleted key', async (h) => {
      const c = await h.cache();
      const keys = ['del', 'exp', 'many', 'pat:1', 'live', 'over'];
      for (const k of keys) await c.set(k, 1, k === 'exp' ? h.shortTtl : undefined);
      for (const k of keys) await c.addIndex('idx', k, 'v');
      await c.delete('del');
      await c.deleteMany(['many']);
      await c.deleteByPattern('pat:*');
      await c.set('over', 2); // overwritten…
      await c.delete('over'); // …then deleted
      await h.expireShort();
      assert.deepEqual(await c.getByIndex('idx', 'v'), ['live']);
      await c.clear();
      assert.deepEqual(await c.getByIndex('idx', 'v'), [], 'clear empties the indexes');
    });

    kit.it('an overwrite of a live entry keeps its memberships (as it keeps createdAt)', async (h) => {
      const c = await h.cache();
      await c.set('k', 1);
      await c.addIndex('idx', 'k', 'v');
      await c.set('k', 2);
      await c.update('k', (o) => o);
      await c.setIfExists('k', 3);
      assert.deepEqual(await c.getByIndex('idx', 'v'), ['k']);
      assert.deepEqual(await memberships(c, 'k'), ['idx=v']);
    });

    kit.it('a re-created key does not inherit the memberships of its deleted predecessor', async (h) => {
      const c = await h.cache();
      await c.set('k', 1);
      await c.addIndex('idx', 'k', 'v');
      await c.delete('k');
      await c.set('k', 2);
      assert.deepEqual(await c.getByIndex('idx', 'v'), []);
      assert.deepEqual(await memberships(c, 'k'), []);
      await c.set('e', 1, h.shortTtl);
      await c.addIndex('idx', 'e', 'v');
      await h.expireShort();
      await c.set('e', 2);
      assert.deepEqual(await c.getByIndex('idx', 'v'), [], 'an expired predecessor left the index');
      assert.deepEqual(await memberships(c, 'e'), []);
    });

    kit.it('deleteByIndex deletes every live entry of the set and returns the count', async (h) => {
      const c = await h.cache();
      await c.setMany({ a: 1, b: 2, c: 3, d: 4 });
      await c.set('e', 5, h.shortTtl);
      for (const k of ['a', 'b', 'e']) await c.addIndex('idx', k, 'x');
      await c.addIndex('idx', 'c', 'y');
      await c.addIndex('other', 'd', 'x');
      await h.expireShort();
      assert.equal(await c.deleteByIndex('idx', 'x'), 2, 'the expired member is not counted');
      assert.equal(await c.has('a'), false);
      assert.equal(await c.has('b'), false);
      assert.equal(await c.get('c'), 3, 'another index key of the same index is untouched');
      assert.equal(await c.get('d'), 4, 'the same index key of another index is untouched');
      assert.deepEqual(await c.getByIndex('idx', 'x'), []);
      assert.equal(await c.deleteByIndex('idx', 'x'), 0);
      assert.equal(await c.deleteByIndex('none', 'x'), 0);
    });

    kit.it('index hygiene: 1,000 create/index/delete cycles leave no memberships behind', async (h) => {
      const c = await h.cache();
      for (let i = 0; i < 1_000; i++) {
        const key = `churn:${i % 50}`;
        await c.set(key, i);
        await c.addIndex('idx', key, `v${i % 7}`);
        await c.addIndex('idx2', key, 'all');
        if (i % 2 === 0) await c.delete(key);
        else await c.deleteMany([key]);
      }
      for (let v = 0; v < 7; v++) assert.deepEqual(await c.getByIndex('idx', `v${v}`), [], `idx v${v}`);
      assert.deepEqual(await c.getByIndex('idx2', 'all'), []);
      for (let k = 0; k < 50; k++) {
        await c.set(`churn:${k}`, 0);
        assert.deepEqual(await memberships(c, `churn:${k}`), [], `churn:${k} re-created has no stale memberships`);
      }
    });

    kit.it('index hygiene under expiry churn', async (h) => {
      const c = await h.cache();
      for (let round = 0; round < 5; round++) {
        for (let i = 0; i < 40; i++) {
          await c.set(`e:${i}`, i, h.shortTtl);
          await c.addIndex('idx', `e:${i}`, `r${round}`);
        }
        await h.expireShort();
        assert.deepEqual(await c.getByIndex('idx', `r${round}`), [], `round ${round}`);
      }
      await c.set('e:0', 'fresh');
      assert.deepEqual(await memberships(c, 'e:0'), []);
    });
  });
}
