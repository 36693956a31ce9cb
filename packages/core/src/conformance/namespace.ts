import { collect, deepEqual, equal, sorted } from './assertions.js';
import type { ConformanceKit } from './kit.js';

/** Two caches of one provider never see each other's keys, indexes or pattern results. */
export function namespaceGroup(kit: ConformanceKit): void {
  kit.describe('namespaces', () => {
    kit.it('the same key in two caches holds two values', async (h) => {
      const a = await h.cache();
      const b = await h.cache();
      await a.set('k', 'a');
      await b.set('k', 'b');
      equal(await a.get('k'), 'a', "a.get('k')");
      equal(await b.get('k'), 'b', "b.get('k')");
      equal(await a.delete('k'), true, "a.delete('k')");
      equal(await b.get('k'), 'b', "a's delete left b's entry");
      equal(await a.setIfNotExists('k', 'a2'), true, "b's entry does not make a's key exist");
      equal(await a.deleteMany(['k']), 1, "a.deleteMany(['k'])");
      equal(await b.has('k'), true, "b.has('k')");
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
      equal(await outer.get('x:k'), 'outer', "outer.get('x:k')");
      equal(await inner.get('k'), 'inner', "inner.get('k')");
      equal(await dotted.get('k'), 'dotted', "dotted.get('k')");
      deepEqual(sorted(await outer.getKeysByPattern('*')), ['x.k', 'x:k'], "sorted(outer.getKeysByPattern('*'))");
      deepEqual(await inner.getKeysByPattern('*'), ['k'], "inner.getKeysByPattern('*')");
      deepEqual(await dotted.getKeysByPattern('*'), ['k'], "dotted.getKeysByPattern('*')");
      await inner.clear();
      equal(await outer.get('x:k'), 'outer', "clear of 'n:x' left 'n'");
      equal(await dotted.get('k'), 'dotted', "dotted.get('k')");
      equal(await outer.deleteByPattern('*'), 2, "outer.deleteByPattern('*')");
      equal(await dotted.get('k'), 'dotted', "deleteByPattern('*') of 'n' left 'n.x'");
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
      deepEqual(sorted(await a.getKeysByPattern('*')), ['user:1', 'user:2'], "sorted(a.getKeysByPattern('*'))");
      deepEqual(sorted(await b.getKeysByPattern('user:*')), ['user:3'], "sorted(b.getKeysByPattern('user:*'))");
      deepEqual(sorted(await collect(a.scanKeys('*'))), ['user:1', 'user:2'], "sorted(collect(a.scanKeys('*')))");
    });

    kit.it("clear and deleteByPattern('*') touch only their own cache", async (h) => {
      const a = await h.cache();
      const b = await h.cache();
      for (let i = 0; i < 10; i++) {
        await a.set(`k${i}`, i);
        await b.set(`k${i}`, i);
      }
      await a.clear();
      deepEqual(await a.getKeysByPattern('*'), [], "a.getKeysByPattern('*')");
      equal((await b.getKeysByPattern('*')).length, 10, "a.clear() left b's entries");
      await a.set('k0', 0);
      equal(await b.deleteByPattern('*'), 10, "b.deleteByPattern('*') counts only b's entries");
      equal(await a.get('k0'), 0, "b.deleteByPattern('*') left a's entry");
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
        deepEqual(await a.getByIndex('idx', 'v'), ['k'], "a.getByIndex('idx', 'v')");
        deepEqual(await b.getByIndex('idx', 'v'), ['j'], "b.getByIndex('idx', 'v')");
        equal(await a.deleteByIndex('idx', 'v'), 1, "a.deleteByIndex('idx', 'v')");
        equal(await b.get('k'), 2, "a.deleteByIndex left b's same-named key");
        deepEqual(await b.getByIndex('idx', 'v'), ['j'], "b.getByIndex('idx', 'v')");
        await b.clear();
        await a.set('k', 1);
        await a.addIndex('idx', 'k', 'v');
        await b.clear();
        deepEqual(await a.getByIndex('idx', 'v'), ['k'], "b.clear() left a's index");
      });
    }
  });
}
