/**
 * Redis-compatible glob matching (`*`, `?`, `[abc]`, `[a-z]`, `[^a]`, `\` escapes), shared by every
 * provider so pattern results are identical everywhere. Characters are Unicode code points (Redis
 * matches bytes; gocache matches what the user sees). Matching is O(pattern × key) in the worst
 * case, never exponential, and pattern length is bounded by the caller.
 */

type Token =
  | { t: 'lit'; c: string }
  | { t: 'any' }
  | { t: 'star' }
  | { t: 'class'; neg: boolean; chars: string[]; ranges: [number, number][] };

/** A parsed glob, ready to test keys. */
export interface CompiledGlob {
  /** The pattern as given. */
  readonly source: string;
  /** The literal text every matching key starts with (may be empty). */
  readonly prefix: string;
  /** The exact key, when the pattern has no special characters. */
  readonly literal: string | undefined;
  /** True for patterns that match every key (`*`, `**`, …). */
  readonly matchesAll: boolean;
  test(key: string): boolean;
}

function parse(pattern: string): Token[] {
  const p = Array.from(pattern);
  const out: Token[] = [];
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]!;
    if (ch === '*') {
      if (out.at(-1)?.t !== 'star') out.push({ t: 'star' });
    } else if (ch === '?') {
      out.push({ t: 'any' });
    } else if (ch === '\\' && i + 1 < p.length) {
      out.push({ t: 'lit', c: p[++i]! });
    } else if (ch === '[') {
      const tok: Token & { t: 'class' } = { t: 'class', neg: false, chars: [], ranges: [] };
      i++;
      if (p[i] === '^') {
        tok.neg = true;
        i++;
      }
      // As in Redis: a class runs to the next unescaped ']' or, unterminated, to the end.
      for (; i < p.length; i++) {
        const c = p[i]!;
        if (c === '\\' && i + 1 < p.length) {
          tok.chars.push(p[++i]!);
        } else if (c === ']') {
          break;
        } else if (i + 2 < p.length && p[i + 1] === '-') {
          let a = c.codePointAt(0)!;
          let b = p[i + 2]!.codePointAt(0)!;
          if (a > b) [a, b] = [b, a];
          tok.ranges.push([a, b]);
          i += 2;
        } else {
          tok.chars.push(c);
        }
      }
      out.push(tok);
    } else {
      out.push({ t: 'lit', c: ch });
    }
  }
  return out;
}

function one(tok: Token, c: string): boolean {
  switch (tok.t) {
    case 'lit':
      return tok.c === c;
    case 'any':
      return true;
    case 'class': {
      let hit = tok.chars.includes(c);
      if (!hit) {
        const cp = c.codePointAt(0)!;
        for (const [a, b] of tok.ranges) {
          if (cp >= a && cp <= b) {
            hit = true;
            break;
          }
        }
      }
      return tok.neg ? !hit : hit;
    }
    default:
      return false;
  }
}

function matchTokens(toks: Token[], s: string[]): boolean {
  let i = 0;
  let j = 0;
  let starI = -1;
  let starJ = 0;
  while (j < s.length) {
    const tok = toks[i];
    if (tok !== undefined && tok.t !== 'star' && one(tok, s[j]!)) {
      i++;
      j++;
    } else if (tok?.t === 'star') {
      starI = i++;
      starJ = j;
    } else if (starI >= 0) {
      i = starI + 1;
      j = ++starJ;
    } else {
      return false;
    }
  }
  while (toks[i]?.t === 'star') i++;
  return i === toks.length;
}

/** Compile a glob. The caller bounds its length (core checks `maxPatternLength`). */
export function compileGlob(pattern: string): CompiledGlob {
  const toks = parse(pattern);
  let prefix = '';
  let prefixTokens = 0;
  for (const tok of toks) {
    if (tok.t !== 'lit') break;
    prefix += tok.c;
    prefixTokens++;
  }
  const allLiteral = toks.every((t) => t.t === 'lit');
  const literal = allLiteral ? prefix : undefined;
  const matchesAll = toks.length > 0 && toks.every((t) => t.t === 'star');
  let test: (key: string) => boolean;
  if (matchesAll) {
    test = () => true;
  } else if (literal !== undefined) {
    test = (key) => key === literal;
  } else if (toks.length === prefixTokens + 1 && toks.at(-1)?.t === 'star') {
    // 'prefix*': the common case, one startsWith.
    test = (key) => key.startsWith(prefix);
  } else {
    test = (key) => key.startsWith(prefix) && matchTokens(toks, Array.from(key));
  }
  return { source: pattern, prefix, literal, matchesAll, test };
}

/** Escape every glob metacharacter in `text`, so the result matches `text` literally. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
