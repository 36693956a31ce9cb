import assert from 'node:assert/strict';
import type { EntryLeaveEvent, LeaveReason, MiddlewareObject } from '../middleware.js';
import type { Cache } from '../types.js';
import { equal, sleep } from './assertions.js';
import type { ConformanceKit } from './kit.js';

/**
 * A middleware object whose `onEntryLeave` calls `react` for the events of `reason` (once per key).
 * `react` runs inside the listener: for an in-process store a cache call made there reaches the
 * store before the listener returns, so it sees (and changes) the store as the event found it.
 */
function listener(
  reason: LeaveReason,
  react: (c: Cache<unknown>, e: EntryLeaveEvent) => Promise<unknown>,
): {
  middleware: MiddlewareObject;
  bind(c: Cache<unknown>): void;
  reactions: Promise<unknown>[];
  seen: EntryLeaveEvent[];
} {
  let cache: Cache<unknown> | undefined;
  const done = new Set<string>();
  const reactions: Promise<unknown>[] = [];
  const seen: EntryLeaveEvent[] = [];
  return {
    reactions,
    seen,
    bind: (c) => {
      cache = c;
    },
    middleware: {
      name: 'kit-leave-order',
      onEntryLeave(e) {
        seen.push(e);
        if (e.reason !== reason || cache === undefined || done.has(e.key)) return;
        done.add(e.key);
        const reaction = react(cache, e);
        reaction.catch(() => {});
        reactions.push(reaction);
      },
    },
  };
}

/**
 * Leave events come after the operation that caused them is complete (SPI: the store is in its
 * final state when the listener runs). A listener reacts with a cache call; the end state shows
 * whether the store had finished: e.g. a `replaced` sent before the write lets the listener delete
 * the old value, and the write then brings the key back (or leaves a dangling index member).
 */
export function leaveOrderGroup(kit: ConformanceKit): void {
  const caps = kit.capabilities;
  // In-process stores report every leave; stores whose values live elsewhere report what they see.
  const required = caps.referenceValues;
  const missing = (reason: string, seen: EntryLeaveEvent[]) =>
    `expected a '${reason}' leave event (in-process stores report every entry that leaves), saw ${JSON.stringify(seen.map((e) => `${e.reason} ${e.key}`))}`;

  kit.describe('leave-event order', () => {
    kit.it(
      "'replaced' comes after the write: a listener's delete removes the new value and its memberships",
      async (h) => {
        const l = listener('replaced', async (c, e) => {
          // Both calls are made before the listener returns: the read sees the store as the event found it.
          const seen = c.get(e.key);
          const removed = c.delete(e.key);
          return [await seen, await removed];
        });
        const c = await h.cache({ middleware: [l.middleware] });
        l.bind(c);
        await c.set('k', 'old');
        if (caps.indexes) await c.addIndex('idx', 'k', 'v');
        await c.set('k', 'new');
        await sleep(0);
        if (required) assert.ok(l.reactions.length > 0, missing('replaced', l.seen));
        if (l.reactions.length === 0) {
          // An out-of-process store that does not report overwrites: nothing to order, the write stands.
          equal(await c.get('k'), 'new', 'the overwritten value (no listener removed it)');
          return;
        }
        const [seen, removed] = ((await Promise.all(l.reactions)) as [unknown, unknown][])[0]!;
        // 'new', or (where the two calls race through an asynchronous store) a miss after the delete.
        assert.ok(
          seen === 'new' || seen === undefined,
          `expected a get made inside the 'replaced' listener to read the new value (the store is in its final state when the event is delivered), got ${JSON.stringify(seen)}: the event was sent before the write`,
        );
        assert.equal(
          removed,
          true,
          "expected the listener's delete (made on 'replaced') to remove the new value: the event came before the write",
        );
        assert.equal(
          await c.get('k'),
          undefined,
          "expected no value after the listener deleted the key on 'replaced'; the overwrite's value survived, so 'replaced' was sent before the write",
        );
        if (caps.indexes) {
          const members = await c.getByIndex('idx', 'v');
          assert.deepEqual(
            members,
            [],
            `expected getByIndex empty after the listener deleted the key on 'replaced', got ${JSON.stringify(members)} (a dangling membership: the write applied memberships after the event)`,
          );
        }
        assert.equal(await c.getMetadata('k'), undefined, 'expected no metadata for the deleted key');
      },
    );

    kit.it("'deleted' comes after the delete: the key is gone, and a listener's re-write stays", async (h) => {
      const l = listener('deleted', async (c, e) => {
        // Made before the listener returns (an in-process store answers both at once, in order);
        // through an asynchronous store the write may land first, so 'revived' is fine too.
        const seen = c.get(e.key);
        const revived = c.set(e.key, 'revived');
        return [e.key, await seen, await revived] as const;
      });
      const c = await h.cache({ middleware: [l.middleware] });
      l.bind(c);
      await c.setMany({ a: 1, b: 2, p1: 3 });
      if (caps.indexes) {
        await c.addIndex('idx', 'a', 'v');
        await c.set('i', 4);
        await c.addIndex('idx', 'i', 'w');
      }
      await c.delete('a');
      await c.deleteMany(['b']);
      await c.deleteByPattern('p*');
      if (caps.indexes) await c.deleteByIndex('idx', 'w');
      await sleep(0);
      const keys = caps.indexes ? ['a', 'b', 'p1', 'i'] : ['a', 'b', 'p1'];
      if (required) equal(l.reactions.length, keys.length, missing('deleted', l.seen));
      const seen = (await Promise.all(l.reactions)) as (readonly [string, unknown, unknown])[];
      for (const [key, value] of seen) {
        assert.ok(
          value === undefined || value === 'revived',
          `expected the deleted key ${key} gone when 'deleted' was delivered; a get inside the listener read ${JSON.stringify(value)} (the event came before the delete)`,
        );
      }
      const reacted = new Set(seen.map(([key]) => key));
      for (const key of keys) {
        if (!reacted.has(key)) {
          // A store that did not report this delete: the key is simply gone.
          equal(await c.get(key), undefined, `get of ${key} after its delete (no 'deleted' event, no re-write)`);
          continue;
        }
        assert.equal(
          await c.get(key),
          'revived',
          `expected the listener's re-write of ${key} (made on 'deleted') to stay; it was removed, so the delete ran after the event`,
        );
        if (caps.indexes) {
          const meta = await c.getMetadata(key);
          assert.deepEqual(meta?.indexes ?? [], [], `expected the re-written ${key} to inherit no memberships`);
        }
      }
      if (caps.indexes) assert.deepEqual(await c.getByIndex('idx', 'v'), [], 'expected no member left under idx=v');
    });

    kit.it("'cleared' comes after the clear: a listener's re-write stays", async (h) => {
      const l = listener('cleared', (c, e) => c.set(e.key, 'revived'));
      const c = await h.cache({ middleware: [l.middleware] });
      l.bind(c);
      await c.setMany({ a: 1, b: 2 });
      await c.clear();
      await sleep(0);
      if (required) equal(l.reactions.length, 2, missing('cleared', l.seen));
      await Promise.all(l.reactions);
      const reacted = new Set(l.seen.filter((x) => x.reason === 'cleared').map((x) => x.key));
      for (const key of ['a', 'b']) {
        if (!reacted.has(key)) {
          equal(await c.get(key), undefined, `get of ${key} after clear (no 'cleared' event, no re-write)`);
          continue;
        }
        assert.equal(
          await c.get(key),
          'revived',
          `expected the listener's re-write of ${key} (made on 'cleared') to stay; the clear removed it after the event`,
        );
      }
    });

    kit.it("'expired' comes after the removal: a listener's re-write stays", async (h) => {
      const l = listener('expired', (c, e) => c.set(e.key, 'revived'));
      const c = await h.cache({ middleware: [l.middleware] });
      l.bind(c);
      await c.set('e', 1, h.shortTtl);
      if (caps.indexes) await c.addIndex('idx', 'e', 'v');
      await h.expireShort();
      // A read finds it expired (or a sweep already removed it).
      assert.equal(await c.get('e'), undefined, 'expected the expired entry to read as a miss');
      await sleep(0);
      if (required) equal(l.reactions.length, 1, missing('expired', l.seen));
      await Promise.all(l.reactions);
      if (l.reactions.length === 0) {
        // An out-of-process store that does not report expiry: nothing to order, the entry stays gone.
        equal(await c.has('e'), false, 'has of the expired key (no listener re-wrote it)');
        return;
      }
      assert.equal(
        await c.get('e'),
        'revived',
        "expected the listener's re-write (made on 'expired') to stay; the expired entry was removed after the event",
      );
      if (caps.indexes) {
        assert.deepEqual(
          await c.getByIndex('idx', 'v'),
          [],
          'expected the re-written key outside the index of its expired predecessor',
        );
      }
    });

    if (caps.eviction) {
      kit.it("'evicted' comes after the eviction: the key is gone when the listener runs", async (h) => {
        const l = listener('evicted', async (c, e) => c.has(e.key));
        const c = await h.cache({ maxEntries: 2, middleware: [l.middleware] });
        l.bind(c);
        for (let i = 0; i < 5; i++) await c.set(`k${i}`, i);
        await sleep(0);
        assert.ok(l.reactions.length > 0, missing('evicted', l.seen));
        const there = await Promise.all(l.reactions);
        assert.ok(
          there.every((t) => t === false),
          `expected every evicted key gone when 'evicted' was delivered; has() inside the listener was ${JSON.stringify(there)}`,
        );
        assert.equal(await c.get('k4'), 4, 'expected the newest entry kept');
      });
    }
  });
}
