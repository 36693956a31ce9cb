import assert from 'node:assert/strict';
import { collect, sorted } from './assertions.js';
import type { ConformanceKit } from './kit.js';

/** Two caches of one provider never see each other's keys, indexes or pattern results. */
export function namespaceGroup(kit: ConformanceKit): void {
  kit.describe('namespaces', () => {
    kit.it('the same key in two caches holds two values', async (h) => {
      const a = await h.cache();
      const b = await h.cache();
      await a.set('k', 'a');
      await b.set('k', 'b');
      assert.equal(await a.get('k'), 'a');
      assert.equal(await b.get('k'), 'b');
      assert.equal(await a.delete('k'), true);
      assert.equal(await b.get('k'), 'b', "a's delete left b's entry");
      assert.equal(await a.setIfNotExists('k', 'a2'), true, "b's entry does not make a's key exist");
      assert.equal(await a.deleteMany(['k']), 1);
      assert.equal(await b.has('k'), true);
    });

    kit.it('names that prefix each other do not collide (cache "n" key "x:k" vs cache "n:x" key "k")', async (h) => {
      const base = h.kit.uniqueName();
      const outer = await h.cache({ name: base });
      const inner = await h.cache({ name: `${base}:x` });
      const dotted = await h.cache({ name: `${base}.x` });
      await outer.set('x:k', 'outer');
      await outer.set('x.k', 'outer-dot');
      await inner.set('k', 'inner');
      await dotted.set('k', 'dotted');
      assert.equal(await outer.get('x:k'), 'outer');
      assert.equal(await inner.get('k'), 'inner');
      assert.equal(await dotted.get('k'), 'dotted');
      assert.deepEqual(sorted(await outer.getKeysByPattern('*')), ['x.k', 'x:k']);
      assert.deepEqual(await inner.getKeysByPattern('*'), ['k']);
      assert.deepEqual(await dotted.getKeysByPattern('*'), ['k']);
      await inner.clear();
      assert.equal(await outer.get('x:k'), 'outer', "clear of 'n:x' left 'n'");
      assert.equal(await dotted.get('k'), 'dotted');
      assert.equal(await outer.deleteByPattern('*'), 2);
      assert.equal(await dotted.get('k'), 'dotted', "deleteByPattern('*') of 'n' left 'n.x'");
    });

    kit.it('patterns and scans see only their own cache', async (h) => {
      const a = await h.cache();
      const b = await h.cache();
      await a.setMany([
        ['user:1', 1],
        ['user:2', 2],
      ]);
      await b.setMany([
        ['user:3', 3],
        ['other', 4],
      ]);
      assert.deepEqual(sorted(await a.getKeysByPattern('*')), ['user:1', 'user:2']);
      assert.deepEqual(sorted(await b.getKeysByPattern('user:*')), ['user:3']);
      assert.deepEqual(sorted(await collect(a.scanKeys('*'))), ['user:1', 'user:2']);
    });

    kit.it("clear and deleteByPattern('*') touch only their own cache", async (h) => {
      const a = await h.cache();
      const b = await h.cache();
      for (let i = 0; i < 10; i++) {
        await a.set(`k${i}`, i);
        await b.set(`k${i}`, i);
      }
      await a.clear();
      assert.deepEqual(await a.getKeysByPattern('*'), []);
      assert.equal((await b.getKeysByPattern('*')).length, 10, "a.clear() left b's entries");
      await a.set('k0', 0);
      assert.equal(await b.deleteByPattern('*'), 10, "b.deleteByPattern('*') counts only b's entries");
      assert.equal(await a.get('k0'), 0, "b.deleteByPattern('*') left a's entry");
    });

    if (kit.capabilities.indexes) {
      kit.it('indexes of the same name in two caches are separate', async (h) => {
        const a = await h.cache();
        const b = await h.cache();
        await a.set('k', 1);
        await b.set('k', 2);
        await b.set('j', 3);
        await a.addIndex('idx', 'k', 'v');
        await b.addIndex('idx', 'j', 'v');
        assert.deepEqual(await a.getByIndex('idx', 'v'), ['k']);
        assert.deepEqual(await b.getByIndex('idx', 'v'), ['j']);
        assert.equal(await a.deleteByIndex('idx', 'v'), 1);
        assert.equal(await b.get('k'), 2, "a.deleteByIndex left b's same-named key");
        assert.deepEqual(await b.getByIndex('idx', 'v'), ['j']);
        await b.clear();
        await a.set('k', 1);
        await a.addIndex('idx', 'k', 'v');
        await b.clear();
        assert.deepEqual(await a.getByIndex('idx', 'v'), ['k'], "b.clear() left a's index");
      });
    }
  });
}
