import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileGlob, escapeGlob } from './glob.js';

const m = (p: string, k: string) => compileGlob(p).test(k);

describe('compileGlob (Redis glob semantics)', () => {
  it.each([
    ['*', 'anything', true],
    ['*', '', true],
    ['session:*', 'session:1', true],
    ['session:*', 'sessions:1', false],
    ['h?llo', 'hello', true],
    ['h?llo', 'hllo', false],
    ['h*llo', 'heeeello', true],
    ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-c]llo', 'hbllo', true],
    ['h[c-a]llo', 'hbllo', true],
    ['h[a-c]llo', 'hdllo', false],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
    ['a\\?', 'a?', true],
    ['[\\]]', ']', true],
    ['[]', 'x', false],
    ['*a*b*c*', 'xxaxxbxxc', true],
    ['*a*b*c*', 'xxaxxcxxb', false],
    ['user:{tag}:*', 'user:{tag}:9', true],
    ['é?', 'éü', true],
    ['?', '😀', true],
    ['a[😀-😂]', 'a😁', true],
    ['literal', 'literal', true],
    ['literal', 'literally', false],
  ])('%s ~ %s → %s', (pattern, key, expected) => {
    expect(m(pattern, key)).toBe(expected);
  });

  it('reports prefix, literal and match-all', () => {
    expect(compileGlob('session:*')).toMatchObject({ prefix: 'session:', literal: undefined, matchesAll: false });
    expect(compileGlob('a\\*b')).toMatchObject({ prefix: 'a*b', literal: 'a*b' });
    expect(compileGlob('**')).toMatchObject({ prefix: '', matchesAll: true });
  });

  it('matches in linear-ish time on adversarial patterns (no exponential backtracking)', () => {
    const pattern = `${'a*'.repeat(30)}b`;
    const key = 'a'.repeat(5_000);
    expect(m(pattern, key)).toBe(false);
  });

  it('escapeGlob makes any text match itself and only itself', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (text, other) => {
        const g = compileGlob(escapeGlob(text));
        expect(g.test(text)).toBe(true);
        if (other !== text) expect(g.test(other)).toBe(false);
      }),
    );
  });

  it('a prefix* pattern agrees with the general matcher', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-c:]{0,6}$/), fc.stringMatching(/^[a-c:]{0,8}$/), (prefix, key) => {
        const fast = compileGlob(`${escapeGlob(prefix)}*`).test(key);
        const general = compileGlob(`${escapeGlob(prefix)}*?*`).test(key) || key === prefix;
        expect(fast).toBe(general);
      }),
    );
  });
});
