import assert from 'node:assert/strict';
import type { EvictReason } from '../types.js';
import { equal } from './assertions.js';
import type { ConformanceKit } from './kit.js';

/** maxEntries is enforced by evicting (capability `eviction`). */
export function evictionGroup(kit: ConformanceKit): void {
  kit.describe('eviction', () => {
    kit.it('maxEntries is respected and evictions are reported with reason "evicted"', async (h) => {
      const events: { key: string; reason: EvictReason }[] = [];
      const c = await h.cache<number>({
        maxEntries: 10,
        hooks: { onEvict: ({ key, reason }) => void events.push({ key, reason }) },
      });
      for (let i = 0; i < 35; i++) await c.set(`k${i}`, i);
      const live = await c.getKeysByPattern('*');
      assert.ok(live.length <= 10, `${live.length} entries live with maxEntries 10`);
      assert.ok(live.includes('k34'), 'the entry just written is kept');
      const evicted = events.filter((e) => e.reason === 'evicted');
      assert.ok(evicted.length >= 25, `${evicted.length} "evicted" events for 25 entries over the bound`);
      for (const { key } of evicted) {
        equal(await c.has(key), false, `evicted ${key} is gone`);
      }
      await c.setMany(Array.from({ length: 30 }, (_, i): [string, number] => [`m${i}`, i]));
      assert.ok((await c.getKeysByPattern('*')).length <= 10, 'setMany respects maxEntries too');
    });

    if (kit.capabilities.indexes) {
      kit.it('an evicted entry leaves every index', async (h) => {
        const c = await h.cache<number>({ maxEntries: 5 });
        for (let i = 0; i < 20; i++) {
          await c.set(`k${i}`, i);
          await c.addIndex('idx', `k${i}`, 'all');
        }
        const members = await c.getByIndex('idx', 'all');
        assert.ok(members.length <= 5, `${members.length} index members with maxEntries 5`);
        for (const k of members) equal(await c.has(k), true, `index member ${k} is live`);
      });
    }
  });
}
