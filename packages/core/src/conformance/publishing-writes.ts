import assert from 'node:assert/strict';
import type { Invalidation } from '../bus.js';
import { inspectStore } from '../inspect.js';
import type { PublishingWrites } from '../spi.js';
import { deepEqual, equal, eventually, sleep } from './assertions.js';
import type { ConformanceKit, Harness } from './kit.js';

/** What the other process's bus heard: each message's cache and keys, and what a read found when it arrived. */
interface Heard {
  readonly cache: string;
  readonly invalidation: Invalidation;
  readonly read: Promise<unknown>;
}

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  assert.ok(await eventually(cond, ms), `timed out after ${ms} ms waiting for ${what}`);
}

/**
 * `Store.publishingWrites`: a store's single-key writes and `delete` publish `{ kind: 'keys',
 * keys: [key] }` inside the step that makes the change — a write once when it wrote, `delete`
 * always — so that another process that hears the message finds the change made.
 */
export function publishingWritesGroup(kit: ConformanceKit): void {
  const make = kit.options.createBuses!;

  /** A cache, its store's publishing writes over `bus`, and what `listener` hears (reads through the cache). */
  async function setup(h: Harness) {
    const c = await h.cache<number>();
    const { bus, listener } = await make();
    const heard: Heard[] = [];
    listener.subscribe({
      onMessage: (m) => {
        const key = m.invalidation.kind === 'keys' ? m.invalidation.keys[0]! : '';
        heard.push({ cache: m.cache, invalidation: m.invalidation, read: c.get(key) });
      },
      onState() {},
    });
    bus.subscribe({ onMessage() {}, onState() {} });
    await Promise.all([bus.ready(), listener.ready()]);
    const pw = inspectStore(c)?.publishingWrites(bus) as PublishingWrites<number> | undefined;
    assert.ok(
      pw !== undefined,
      'expected the store to offer publishingWrites for the bus createBuses made (a bus it can publish on)',
    );
    const close = async () => {
      await bus.close();
      await listener.close();
    };
    return { c, pw, heard, close };
  }

  /** The keys heard for `key`, in order. */
  const of = (heard: readonly Heard[], key: string) =>
    heard.filter((x) => x.invalidation.kind === 'keys' && x.invalidation.keys[0] === key);

  kit.describe('publishing writes', () => {
    kit.it('a write publishes its key once, and the change is in place when the message arrives', async (h) => {
      const s = await setup(h);
      try {
        for (let i = 1; i <= 5; i++) {
          await s.pw.set('w', i, 60_000);
          await until(`the message of set #${i}`, () => s.heard.length === i);
          const x = s.heard[i - 1]!;
          deepEqual(x.invalidation, { kind: 'keys', keys: ['w'] }, `the invalidation set #${i} published`);
          equal(x.cache, s.c.name, `the cache named by set #${i}'s message`);
          equal(await x.read, i, `a read when set #${i}'s message arrived`);
        }
      } finally {
        await s.close();
      }
    });

    kit.it('a conditional write (and touch) publishes only when it wrote; delete always', async (h) => {
      const s = await setup(h);
      try {
        const { pw } = s;
        equal(await pw.setIfNotExists('a', 1, 60_000), true, 'setIfNotExists of an absent key');
        // None of these writes: nothing to publish.
        equal(await pw.setIfNotExists('a', 2, 60_000), false, 'setIfNotExists of a live key');
        equal(await pw.compareAndSet('a', null, 3, 60_000), false, 'compareAndSet(null) of a live key');
        equal(await pw.setIfExists('b', 4, 60_000), false, 'setIfExists of an absent key');
        // Each key's last change writes, so its message comes after any a non-writing call could send.
        equal(await pw.setIfExists('a', 5, 60_000), true, 'setIfExists of a live key');
        equal(await pw.compareAndSet('b', null, 6, 60_000), true, 'compareAndSet(null) of an absent key');
        equal(await pw.delete('c'), false, 'delete of an absent key');
        await until('four messages', () => s.heard.length >= 4);
        await sleep(50);
        equal(of(s.heard, 'a').length, 2, "messages for 'a' (setIfNotExists that wrote, setIfExists)");
        equal(of(s.heard, 'b').length, 1, "messages for 'b' (compareAndSet that wrote; not setIfExists)");
        equal(of(s.heard, 'c').length, 1, "messages for 'c' (delete publishes even when it found nothing)");
        equal(await of(s.heard, 'a')[1]!.read, 5, "a read when 'a''s second message arrived");
        equal(await of(s.heard, 'b')[0]!.read, 6, "a read when 'b''s message arrived");
        let touches = 0;
        if (pw.touch !== undefined) {
          equal(await pw.touch('d', 60_000), false, 'touch of an absent key');
          equal(await pw.touch('a', 120_000), true, 'touch of a live key');
          touches = 1;
        }
        equal(await pw.delete('a'), true, 'delete of a live key');
        await until('the delete', () => of(s.heard, 'a').length === 3 + touches);
        equal(await of(s.heard, 'a').at(-1)!.read, undefined, "a read when the delete's message arrived");
        equal(of(s.heard, 'd').length, 0, "messages for 'd' (a touch that found nothing)");
      } finally {
        await s.close();
      }
    });
  });
}
