import assert from 'node:assert/strict';
import { inspectStore } from '../inspect.js';
import type { Cache } from '../types.js';
import { deepEqual, equal, rejectsWith, sorted } from './assertions.js';
import type { ConformanceKit, Harness } from './kit.js';

/**
 * The index memberships the store behind `c` holds, dead or alive (`Store.indexFootprint`), or
 * `'no-hook'` when `c` is not a core cache (or this core cannot inspect its store). A store that
 * claims `indexes` and cannot tell fails: index hygiene is measured, not assumed.
 */
async function footprint(c: Cache<unknown>, provider: string): Promise<number | 'no-hook'> {
  const inspect = inspectStore(c);
  if (inspect === undefined) return 'no-hook';
  const n = await inspect.indexFootprint();
  assert.ok(
    n !== undefined,
    `could not measure index storage: provider "${provider}" claims indexes, but its store has no indexFootprint() (or it returned undefined). Implement Store.indexFootprint(): the number of index memberships the store holds right now, dead or alive — index hygiene is measured, not assumed`,
  );
  assert.ok(
    Number.isInteger(n) && n >= 0,
    `expected indexFootprint() to return a non-negative integer, got ${String(n)}`,
  );
  return n;
}

/** Assert the footprint is at most `limit` (no-op without the inspection hook). */
async function assertFootprintAtMost(
  c: Cache<unknown>,
  kit: ConformanceKit,
  limit: number | 'no-hook',
  what: string,
): Promise<void> {
  if (limit === 'no-hook') return;
  const n = await footprint(c, kit.options.name);
  assert.ok(
    n !== 'no-hook' && n <= limit,
    `expected index storage back to at most ${limit} memberships ${what}, measured ${String(n)}: the store keeps memberships of entries that are gone (filtering them on read is not enough, they must be freed)`,
  );
}

/** Let every index key and entry be read once, so a store that reclaims lazily on reads can. */
async function readAll(
  c: Cache<unknown>,
  keys: readonly string[],
  indexKeys: readonly [string, string][],
): Promise<void> {
  for (const [name, key] of indexKeys) await c.getByIndex(name, key);
  for (const k of keys) await c.get(k);
}

/** Measured index hygiene: churn of every kind, then the store's footprint returns to its baseline. */
async function measuredChurn(kit: ConformanceKit, h: Harness): Promise<void> {
  const c = await h.cache(kit.capabilities.eviction ? { maxEntries: 20 } : {});
  const base = await footprint(c, kit.options.name);
  const indexKeys: [string, string][] = [];
  for (let v = 0; v < 4; v++) indexKeys.push(['idx', `v${v}`], ['all', 'x']);
  const keys = Array.from({ length: 12 }, (_, i) => `m:${i}`);
  const addAll = async (ttl?: number) => {
    for (const [i, k] of keys.entries()) {
      await c.set(k, i, ttl);
      await c.addIndex('idx', k, `v${i % 4}`);
      await c.addIndex('all', k, 'x');
    }
  };
  await addAll();
  if (base !== 'no-hook') {
    const full = await footprint(c, kit.options.name);
    assert.ok(
      full !== 'no-hook' && full >= base + keys.length * 2,
      `expected indexFootprint() to count the ${keys.length * 2} live memberships just added (baseline ${base}), measured ${String(full)}`,
    );
  }
  for (let round = 0; round < 5; round++) {
    // Deleted one by one, in batches, by pattern, by index; overwritten then deleted; cleared.
    for (const k of keys.slice(0, 3)) await c.delete(k);
    await c.deleteMany(keys.slice(3, 6));
    await c.deleteByPattern('m:6*');
    await c.deleteByIndex('idx', 'v3');
    for (const k of keys) await c.set(k, -1);
    for (const k of keys) await c.delete(k);
    await readAll(c, keys, indexKeys);
    await assertFootprintAtMost(c, kit, base, `after round ${round} of deletes`);
    await addAll(h.shortTtl);
    await h.expireShort();
    await readAll(c, keys, indexKeys);
    await assertFootprintAtMost(c, kit, base, `after round ${round}'s entries expired and were read`);
    await addAll();
    await c.clear();
    await assertFootprintAtMost(c, kit, base, `after round ${round}'s clear`);
  }
  if (kit.capabilities.eviction) {
    for (let i = 0; i < 100; i++) {
      await c.set(`ev:${i}`, i);
      await c.addIndex('idx', `ev:${i}`, 'ev');
    }
    await readAll(c, [], [['idx', 'ev']]);
    // maxEntries 20: at most 20 live entries, one membership each.
    await assertFootprintAtMost(
      c,
      kit,
      base === 'no-hook' ? base : base + 20,
      'after 100 indexed writes under maxEntries 20',
    );
    await c.clear();
  }
  for (const [name, key] of indexKeys)
    assert.deepEqual(await c.getByIndex(name, key), [], `expected ${name}=${key} empty after the churn`);
}

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
        equal(await c.get('k'), 1, "c.get('k')");
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
      deepEqual(sorted(await c.getByIndex('byUser', 'u1')), ['a', 'b'], "sorted(c.getByIndex('byUser', 'u1'))");
      deepEqual(await c.getByIndex('byUser', 'u2'), ['c'], "c.getByIndex('byUser', 'u2')");
      deepEqual(await c.getByIndex('byRole', 'admin'), ['a'], "c.getByIndex('byRole', 'admin')");
      deepEqual(await c.getByIndex('byUser', 'nobody'), [], "c.getByIndex('byUser', 'nobody')");
      deepEqual(await c.getByIndex('noSuchIndex', 'u1'), [], "c.getByIndex('noSuchIndex', 'u1')");
      await c.removeIndex('byUser', 'a', 'u1');
      deepEqual(await c.getByIndex('byUser', 'u1'), ['b'], "c.getByIndex('byUser', 'u1')");
      equal(await c.get('a'), 1, 'removeIndex leaves the entry');
      await c.removeIndex('byUser', 'a', 'u1'); // not a member: fine
      await c.removeIndex('byUser', 'missing', 'u1');
      deepEqual(await memberships(c, 'a'), ['byRole=admin'], "memberships(c, 'a')");
    });

    kit.it('a key may sit under several index keys of one index', async (h) => {
      const c = await h.cache();
      await c.set('doc', 1);
      await c.addIndex('tag', 'doc', 'red');
      await c.addIndex('tag', 'doc', 'blue');
      deepEqual(await c.getByIndex('tag', 'red'), ['doc'], "c.getByIndex('tag', 'red')");
      deepEqual(await c.getByIndex('tag', 'blue'), ['doc'], "c.getByIndex('tag', 'blue')");
      deepEqual(await memberships(c, 'doc'), ['tag=blue', 'tag=red'], "memberships(c, 'doc')");
    });

    kit.it('addIndex on a missing or expired key is NOT_FOUND', async (h) => {
      const c = await h.cache();
      await rejectsWith(c.addIndex('idx', 'missing', 'v'), 'NOT_FOUND', 'addIndex of a missing key');
      await c.set('short', 1, h.shortTtl);
      await h.expireShort();
      await rejectsWith(c.addIndex('idx', 'short', 'v'), 'NOT_FOUND', 'addIndex of an expired key');
      deepEqual(await c.getByIndex('idx', 'v'), [], "c.getByIndex('idx', 'v')");
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
      deepEqual(await c.getByIndex('idx', 'u'), ['session:1'], "c.getByIndex('idx', 'u')");
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
      deepEqual(await c.getByIndex('idx', 'v'), ['live'], "c.getByIndex('idx', 'v')");
      await c.clear();
      deepEqual(await c.getByIndex('idx', 'v'), [], 'clear empties the indexes');
    });

    kit.it('an overwrite of a live entry keeps its memberships (as it keeps createdAt)', async (h) => {
      const c = await h.cache();
      await c.set('k', 1);
      await c.addIndex('idx', 'k', 'v');
      await c.set('k', 2);
      await c.update('k', (o) => o);
      await c.setIfExists('k', 3);
      deepEqual(await c.getByIndex('idx', 'v'), ['k'], "c.getByIndex('idx', 'v')");
      deepEqual(await memberships(c, 'k'), ['idx=v'], "memberships(c, 'k')");
    });

    kit.it('a re-created key does not inherit the memberships of its deleted predecessor', async (h) => {
      const c = await h.cache();
      await c.set('k', 1);
      await c.addIndex('idx', 'k', 'v');
      await c.delete('k');
      await c.set('k', 2);
      deepEqual(await c.getByIndex('idx', 'v'), [], "c.getByIndex('idx', 'v')");
      deepEqual(await memberships(c, 'k'), [], "memberships(c, 'k')");
      await c.set('e', 1, h.shortTtl);
      await c.addIndex('idx', 'e', 'v');
      await h.expireShort();
      await c.set('e', 2);
      deepEqual(await c.getByIndex('idx', 'v'), [], 'an expired predecessor left the index');
      deepEqual(await memberships(c, 'e'), [], "memberships(c, 'e')");
    });

    kit.it('deleteByIndex deletes every live entry of the set and returns the count', async (h) => {
      const c = await h.cache();
      await c.setMany({ a: 1, b: 2, c: 3, d: 4 });
      await c.set('e', 5, h.shortTtl);
      for (const k of ['a', 'b', 'e']) await c.addIndex('idx', k, 'x');
      await c.addIndex('idx', 'c', 'y');
      await c.addIndex('other', 'd', 'x');
      await h.expireShort();
      equal(await c.deleteByIndex('idx', 'x'), 2, 'the expired member is not counted');
      equal(await c.has('a'), false, "c.has('a')");
      equal(await c.has('b'), false, "c.has('b')");
      equal(await c.get('c'), 3, 'another index key of the same index is untouched');
      equal(await c.get('d'), 4, 'the same index key of another index is untouched');
      deepEqual(await c.getByIndex('idx', 'x'), [], "c.getByIndex('idx', 'x')");
      equal(await c.deleteByIndex('idx', 'x'), 0, "c.deleteByIndex('idx', 'x')");
      equal(await c.deleteByIndex('none', 'x'), 0, "c.deleteByIndex('none', 'x')");
      // Store.removeByIndex, where present, must name exactly the live entries it removed: a tiered
      // cache tells other processes which copies to drop from it.
      const remove = inspectStore(c)?.removeByIndex;
      if (remove !== undefined) {
        await c.setMany({ r1: 1, r2: 2, r3: 3 });
        await c.set('r4', 4, h.shortTtl);
        for (const k of ['r1', 'r2', 'r4']) await c.addIndex('idx', k, 'r');
        await c.addIndex('idx', 'r3', 's');
        await h.expireShort();
        deepEqual(
          sorted(await remove('idx', 'r')),
          ['r1', 'r2'],
          "removeByIndex('idx', 'r'): the live entries it removed (not the expired member, not another index key's)",
        );
        equal(await c.has('r1'), false, "c.has('r1') after removeByIndex");
        equal(await c.get('r3'), 3, 'an entry under another index key, after removeByIndex');
        deepEqual(await remove('idx', 'r'), [], "removeByIndex('idx', 'r') of an emptied set");
      }
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
      for (let v = 0; v < 7; v++) deepEqual(await c.getByIndex('idx', `v${v}`), [], `idx v${v}`);
      deepEqual(await c.getByIndex('idx2', 'all'), [], "c.getByIndex('idx2', 'all')");
      for (let k = 0; k < 50; k++) {
        await c.set(`churn:${k}`, 0);
        deepEqual(await memberships(c, `churn:${k}`), [], `churn:${k} re-created has no stale memberships`);
      }
    });

    kit.it(
      'index hygiene measured: after churn of every kind the store holds no more memberships than before',
      async (h) => {
        await measuredChurn(kit, h);
      },
    );

    kit.it('index hygiene under expiry churn', async (h) => {
      const c = await h.cache();
      for (let round = 0; round < 5; round++) {
        for (let i = 0; i < 40; i++) {
          await c.set(`e:${i}`, i, h.shortTtl);
          await c.addIndex('idx', `e:${i}`, `r${round}`);
        }
        await h.expireShort();
        deepEqual(await c.getByIndex('idx', `r${round}`), [], `round ${round}`);
      }
      await c.set('e:0', 'fresh');
      deepEqual(await memberships(c, 'e:0'), [], "memberships(c, 'e:0')");
    });
  });
}
