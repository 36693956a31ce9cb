import { escapeGlob } from '../glob.js';
import type { Cache } from '../types.js';
import { collect, deepEqual, equal, rejectsWith } from './assertions.js';
import type { ConformanceKit } from './kit.js';

/** Keys that are legal and must round-trip untouched: glob characters, hash tags, separators, non-ASCII. */
export const HOSTILE_KEYS: readonly string[] = [
  '*',
  '?',
  '[',
  ']',
  '[abc]',
  '{tag}',
  '{',
  '}',
  'a{b}c',
  '\\',
  'a\\*b',
  ':',
  'a:b:c',
  '::',
  ' ',
  ' leading and trailing ',
  'tab\there',
  'line\nbreak',
  'null\u0000byte',
  'ünïcödé',
  '日本語のキー',
  'emoji 🚀🔥',
  '👨‍👩‍👧',
  '%s%d',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal key that looks like a template
  '${x}',
  '../../etc/passwd',
  'kit_other:key',
];

/** Each op that takes a key, as a call for the key-validation checks. */
function keyOps(c: Cache<unknown>, key: string): [string, () => Promise<unknown>][] {
  return [
    ['get', () => c.get(key)],
    ['set', () => c.set(key, 1)],
    ['delete', () => c.delete(key)],
    ['has', () => c.has(key)],
    ['touch', () => c.touch(key, 60_000)],
    ['getOrSet', () => c.getOrSet(key, () => 1)],
    ['update', () => c.update(key, () => 1)],
    ['getMany', () => c.getMany(['ok', key])],
    [
      'setMany',
      () =>
        c.setMany([
          ['ok', 1],
          [key, 1],
        ]),
    ],
    ['deleteMany', () => c.deleteMany(['ok', key])],
    ['setIfNotExists', () => c.setIfNotExists(key, 1)],
    ['setIfExists', () => c.setIfExists(key, 1)],
    ['getMetadata', () => c.getMetadata(key)],
  ];
}

/** Key validation (empty, over-long, non-string) and hostile keys that must round-trip. */
export function keysGroup(kit: ConformanceKit): void {
  kit.describe('keys', () => {
    kit.it('the empty key is refused with INVALID_KEY by every key operation', async (h) => {
      const c = await h.cache();
      for (const [op, call] of keyOps(c, '')) await rejectsWith(call, 'INVALID_KEY', `${op}('')`);
      equal(await c.has('ok'), false, 'a batch with one bad key wrote nothing');
    });

    kit.it('a non-string key is refused with INVALID_KEY', async (h) => {
      const c = await h.cache();
      for (const bad of [undefined, null, 42, {}, ['a']]) {
        for (const [op, call] of keyOps(c, bad as unknown as string)) {
          await rejectsWith(call, 'INVALID_KEY', `${op}(${String(bad)})`);
        }
      }
      equal(await c.has('ok'), false, "c.has('ok')");
    });

    kit.it('keys up to 1024 UTF-8 bytes are legal; longer ones are INVALID_KEY', async (h) => {
      const c = await h.cache();
      const max = 'k'.repeat(1024);
      await c.set(max, 'v');
      equal(await c.get(max), 'v', 'a 1024-byte key round-trips');
      deepEqual(await c.getKeysByPattern('k*'), [max], "c.getKeysByPattern('k*')");
      for (const [op, call] of keyOps(c, 'k'.repeat(1025))) await rejectsWith(call, 'INVALID_KEY', `${op}(1025 bytes)`);
      // 342 '€' are 342 UTF-16 units but 1026 UTF-8 bytes: the limit is in bytes.
      const euros = '€'.repeat(342);
      await rejectsWith(c.set(euros, 1), 'INVALID_KEY', 'set of a 342-char, 1026-byte key');
      const fits = '€'.repeat(341) + 'x'; // 1024 bytes
      await c.set(fits, 1);
      equal(await c.get(fits), 1, 'c.get(fits)');
      // Emoji are 4 bytes: 256 of them are exactly 1024 bytes.
      const emoji = '🚀'.repeat(256);
      await c.set(emoji, 1);
      equal(await c.get(emoji), 1, 'c.get(emoji)');
      await rejectsWith(c.set(`${emoji}x`, 1), 'INVALID_KEY', 'set of a 1025-byte emoji key');
    });

    kit.it('maxKeyLength changes the limit', async (h) => {
      const c = await h.cache({ maxKeyLength: 16 });
      await c.set('k'.repeat(16), 1);
      equal(await c.get('k'.repeat(16)), 1, "c.get('k'.repeat(16))");
      await rejectsWith(c.set('k'.repeat(17), 1), 'INVALID_KEY', 'set of a 17-byte key with maxKeyLength 16');
      await rejectsWith(c.get('é'.repeat(9)), 'INVALID_KEY', 'get of an 18-byte key with maxKeyLength 16');
    });

    kit.it('hostile keys round-trip through every operation', async (h) => {
      const c = await h.cache();
      for (const [i, k] of HOSTILE_KEYS.entries()) await c.set(k, i);
      for (const [i, k] of HOSTILE_KEYS.entries()) {
        equal(await c.get(k), i, `get(${JSON.stringify(k)})`);
        equal(await c.has(k), true, `has(${JSON.stringify(k)})`);
        equal((await c.getMetadata(k))?.key, k, `getMetadata(${JSON.stringify(k)}).key`);
        deepEqual(await c.getKeysByPattern(escapeGlob(k)), [k], `the escaped pattern of ${JSON.stringify(k)}`);
      }
      const listed = await c.getKeysByPattern('*');
      deepEqual([...listed].sort(), [...HOSTILE_KEYS].sort(), "getKeysByPattern('*') returns the keys as written");
      deepEqual((await collect(c.scanKeys('*'))).sort(), [...HOSTILE_KEYS].sort(), 'scanKeys too');
      const many = await c.getMany(HOSTILE_KEYS);
      equal(many.size, HOSTILE_KEYS.length, 'entries getMany found of every hostile key');
      if (kit.capabilities.indexes) {
        for (const k of HOSTILE_KEYS) await c.addIndex('idx*{x}', k, '{v}*');
        deepEqual(
          (await c.getByIndex('idx*{x}', '{v}*')).sort(),
          [...HOSTILE_KEYS].sort(),
          "(c.getByIndex('idx*{x}', '{v}*')).sort()",
        );
      }
      for (const k of HOSTILE_KEYS) equal(await c.delete(k), true, `delete(${JSON.stringify(k)})`);
      deepEqual(await c.getKeysByPattern('*'), [], "c.getKeysByPattern('*')");
    });

    kit.it('hostile keys never reach another cache', async (h) => {
      const a = await h.cache();
      const b = await h.cache();
      for (const k of HOSTILE_KEYS) await a.set(k, 'a');
      for (const k of HOSTILE_KEYS) equal(await b.get(k), undefined, `b sees a's ${JSON.stringify(k)}`);
      deepEqual(await b.getKeysByPattern('*'), [], "b.getKeysByPattern('*')");
      equal(await b.deleteByPattern('*'), 0, "b.deleteByPattern('*')");
      equal(
        await a.getMany(HOSTILE_KEYS).then((m) => m.size),
        HOSTILE_KEYS.length,
        'a.getMany(HOSTILE_KEYS).then((m) => m.size)',
      );
    });
  });
}
