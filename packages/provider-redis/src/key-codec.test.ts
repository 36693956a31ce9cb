import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePart, encodePart } from './key-codec.js';

// Well-formed strings only: core rejects keys with lone surrogates before a store sees them.
const text = fc.string({ unit: 'grapheme', minLength: 0, maxLength: 40 });
const anyText = fc.oneof(
  text,
  fc.string({ unit: 'binary', maxLength: 20 }).filter((s) => s.isWellFormed()),
);

/** The definition: every UTF-8 byte outside `A-Z a-z 0-9 _ . -` as `%XX`. */
function byDefinition(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    out += /[A-Za-z0-9_.-]/.test(String.fromCharCode(b))
      ? String.fromCharCode(b)
      : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

describe('key codec', () => {
  it('encodes exactly as its definition, on the ASCII fast path and off it', () => {
    const ascii = fc.string({
      unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)),
      maxLength: 40,
    });
    fc.assert(
      fc.property(fc.oneof(ascii, anyText), (s) => {
        expect(encodePart(s)).toBe(byDefinition(s));
      }),
      { numRuns: 2000 },
    );
    expect(encodePart('user:42')).toBe('user%3A42');
    expect(encodePart('a{b}*')).toBe('a%7Bb%7D%2A');
  });

  it('is injective: distinct texts never share an encoding', () => {
    fc.assert(
      fc.property(anyText, anyText, (a, b) => {
        if (a !== b) expect(encodePart(a)).not.toBe(encodePart(b));
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes what it encodes', () => {
    fc.assert(
      fc.property(anyText, (a) => {
        expect(decodePart(encodePart(a))).toBe(a);
      }),
      { numRuns: 2000 },
    );
  });

  it('never emits braces, separators or glob characters', () => {
    fc.assert(
      fc.property(anyText, (a) => {
        expect(encodePart(a)).toMatch(/^[A-Za-z0-9_.%-]*$/);
      }),
      { numRuns: 2000 },
    );
    expect(encodePart('{tag}:*?[a]\\ é')).toBe('%7Btag%7D%3A%2A%3F%5Ba%5D%5C%20%C3%A9');
  });

  it('preserves prefixes, so SCAN MATCH can narrow by a literal prefix', () => {
    fc.assert(
      fc.property(anyText, anyText, (a, b) => {
        expect(encodePart(a + b)).toBe(encodePart(a) + encodePart(b));
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects text it cannot have produced (non-canonical or foreign)', () => {
    expect(decodePart('a%41')).toBeUndefined(); // 'A' needlessly escaped
    expect(decodePart('%7b')).toBeUndefined(); // lower-case hex
    expect(decodePart('a:b')).toBeUndefined();
    expect(decodePart('%FF')).toBeUndefined(); // invalid UTF-8
    expect(decodePart('%4')).toBeUndefined();
  });
});
