import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyLayout } from './key-layout.js';

const name = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,12}$/);
const key = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 });

/** Redis's hash tag rule: the text between the first `{` and the next `}`, when non-empty. */
function hashTag(redisKey: string): string | undefined {
  const open = redisKey.indexOf('{');
  if (open < 0) return undefined;
  const close = redisKey.indexOf('}', open + 1);
  return close > open + 1 ? redisKey.slice(open + 1, close) : undefined;
}

describe('key layout', () => {
  it('keeps caches apart: no key of one cache equals or prefixes a key of another', () => {
    fc.assert(
      fc.property(name, name, key, key, (n1, n2, k1, k2) => {
        fc.pre(n1 !== n2);
        const a = new KeyLayout('gc', n1);
        const b = new KeyLayout('gc', n2);
        expect(a.entry(k1)).not.toBe(b.entry(k2));
        expect(b.entry(k2).startsWith(a.namespace)).toBe(false);
        expect(b.index(k1, k2).startsWith(a.namespace)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('gives an entry and its lock one hash tag: the encoded key, which the user cannot steer', () => {
    fc.assert(
      fc.property(name, key, (n, k) => {
        const l = new KeyLayout('gc', n);
        const tag = hashTag(l.entry(k));
        expect(tag).toBe(l.member(k));
        expect(hashTag(l.lock(k))).toBe(tag);
        expect(tag).not.toMatch(/[{}]/);
        expect(hashTag(l.index(k, k))).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });

  it('parses its own keys back and refuses foreign ones', () => {
    fc.assert(
      fc.property(name, key, key, (n, k, ik) => {
        const l = new KeyLayout('gc', n);
        expect(l.keyOfEntry(l.entry(k))).toBe(k);
        expect(l.keyOfEntry(l.entryOfMember(l.member(k)))).toBe(k);
        expect(l.parseIndex(l.index(k, ik))).toEqual({ indexName: k, indexKey: ik });
        expect(l.keyOfEntry(l.lock(k))).toBeUndefined();
      }),
      { numRuns: 500 },
    );
    const l = new KeyLayout('gc', 'c');
    expect(l.keyOfEntry('gc:c:e:{a:b}')).toBeUndefined();
    expect(l.keyOfEntry('other')).toBeUndefined();
  });

  it('matches entries by encoded literal prefix', () => {
    const l = new KeyLayout('gc', 'users:v1');
    expect(l.namespaceMatch()).toBe('gc:users%3Av1:*');
    expect(l.entryMatch('user:{1}*')).toBe('gc:users%3Av1:e:{user%3A%7B1%7D%2A*');
  });
});
