import { CacheError, type CompiledGlob, compileGlob, escapeGlob } from '@gocache/core';
import type { IndexDefinitions, IndexLimit } from './types.js';

/** One compiled index definition. */
export interface CompiledIndex<T> {
  readonly name: string;
  readonly glob: CompiledGlob;
  readonly by: (value: T, key: string) => unknown;
  readonly limit: IndexLimit | undefined;
}

const INDEX_NAME = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * The compiled index definitions of one cache: validates them once and derives the memberships
 * of a value. Memberships are flat `[indexName, indexKey, …]` pairs, sorted and de-duplicated.
 */
export class IndexPlan<T> {
  readonly indexes: readonly CompiledIndex<T>[];
  /** The index names, in declaration order. */
  readonly names: ReadonlySet<string>;
  readonly #cacheName: string;

  constructor(cacheName: string, defs: IndexDefinitions<T>, op: string) {
    this.#cacheName = cacheName;
    const fail = (m: string) => new CacheError('INVALID_ARGUMENT', m, { cacheName, op });
    if (defs === null || typeof defs !== 'object' || Array.isArray(defs)) {
      throw fail(
        "index definitions must be an object such as { sessions_by_user: { pattern: 'session:*', by: (s) => s.userId } }",
      );
    }
    const out: CompiledIndex<T>[] = [];
    for (const [name, def] of Object.entries(defs)) {
      if (!INDEX_NAME.test(name)) {
        throw fail(`index name ${JSON.stringify(name)} must be 1–128 characters of A-Z a-z 0-9 _ - . :`);
      }
      if (def === null || typeof def !== 'object') throw fail(`index "${name}" must be an object with pattern and by`);
      if (typeof def.pattern !== 'string' || def.pattern.length === 0 || def.pattern.length > 1024) {
        throw fail(`index "${name}": pattern must be a non-empty key glob such as 'session:*'`);
      }
      if (typeof def.by !== 'function') {
        throw fail(`index "${name}": by must be a function from a value to its index key(s), e.g. (s) => s.userId`);
      }
      const limit = def.limit;
      if (limit !== undefined) {
        if (limit === null || typeof limit !== 'object' || !Number.isSafeInteger(limit.max) || limit.max < 1) {
          throw fail(
            `index "${name}": limit.max must be a whole number ≥ 1, e.g. { max: 5, onExceed: 'evict-oldest' }`,
          );
        }
        if (limit.onExceed !== 'evict-oldest' && limit.onExceed !== 'reject') {
          throw fail(`index "${name}": limit.onExceed must be 'evict-oldest' or 'reject'`);
        }
      }
      out.push({ name, glob: compileGlob(def.pattern), by: def.by, limit });
    }
    if (out.length === 0) throw fail('declare at least one index');
    this.names = new Set(out.map((i) => i.name));
    // Sorted by name once, so derive emits sorted pairs without sorting on every write.
    out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.indexes = out;
    const tests = out.map((i) => fastTest(i.glob));
    this.#tests = tests;
    this.#hot = {
      indexes: out,
      tests,
      shared: out.map((i, n) => n > 0 && out[n - 1]!.glob.source === i.glob.source),
    };
    // The usual plan: every index on one 'prefix*' (or match-all) pattern gets an unchanged-write
    // check specialised to it; any other plan walks its indexes in general.
    const g = out[0]!.glob;
    const onePrefix =
      out.every((i) => i.glob.source === g.source) && (g.matchesAll || g.source === `${escapeGlob(g.prefix)}*`);
    const resume = (key: string, value: unknown, prev: readonly string[] | undefined, from: number, r: unknown) =>
      this.#derive(key, value as T, 'write', prev, from, r, from < 0 ? 0 : 2 * from);
    const threw = (key: string, n: number, cause: unknown) =>
      this.#invalid('write', key, `index "${out[n]!.name}": by threw (see cause); nothing was written`, cause);
    this.deriveFrom = onePrefix ? unchangedFirst(g.matchesAll ? '' : g.prefix, out, resume, threw) : fromStart(resume);
  }

  readonly #tests: ((key: string) => boolean)[];
  /** What `derive` reads on every write, gathered in one object. */
  readonly #hot: {
    indexes: readonly CompiledIndex<T>[];
    tests: readonly ((key: string) => boolean)[];
    shared: readonly boolean[];
  };

  /**
   * The memberships `value` at `key` derives, as (name, key) pairs sorted by index name then index
   * key, without duplicates. Throws `INVALID_VALUE` when a `by` throws or returns junk.
   */
  derive(key: string, value: T, op: string): string[] {
    return this.#derive(key, value, op, undefined, -1, undefined, 0) as string[];
  }

  /**
   * `derive` for a store that passes the entry's current memberships `prev` (flat pairs, the
   * derived ones first): when the result equals `prev`, it is `prev` itself, so the usual
   * re-write allocates nothing and the store recognises it by identity; otherwise it is a new
   * array the store may keep. Index keys equal to the one at the same place in `prev` are not
   * validated again (they were when they joined).
   */
  readonly deriveFrom: (key: string, value: unknown, prev: readonly string[] | undefined) => readonly string[];

  /**
   * The general walk. `from` ≥ 0: indexes before `from` are known to match `prev`'s first `len`
   * entries, the key matched their (shared) pattern, and `fromR` is what `by` of index `from`
   * returned.
   */
  #derive(
    key: string,
    value: T,
    op: string,
    prev: readonly string[] | undefined,
    from: number,
    fromR: unknown,
    len: number,
  ): readonly string[] {
    const { indexes, tests, shared } = this.#hot;
    // Allocated at the first pair that differs from `prev` (at once without one), sized for the
    // usual one key per index, so no write grows or over-allocates it.
    let out: string[] | undefined = prev === undefined ? new Array<string>(2 * indexes.length) : undefined;
    // With `from`, the indexes from there share the pattern the key already matched.
    let hit = from >= 0;
    for (let n = Math.max(from, 0); n < indexes.length; n++) {
      const idx = indexes[n]!;
      let r: unknown;
      if (n === from) r = fromR;
      else {
        // Indexes sharing a pattern with the one before (the common case) reuse its test.
        if (!shared[n]) hit = tests[n]!(key);
        if (!hit) continue;
        try {
          r = idx.by(value, key);
        } catch (cause) {
          throw this.#invalid(op, key, `index "${idx.name}": by threw (see cause); nothing was written`, cause);
        }
      }
      // Unchanged key (the same string as before): decided without reading `r` itself.
      if (out === undefined && r === prev![len + 1] && prev![len] === idx.name) {
        len += 2;
        continue;
      }
      if (r === null || r === undefined) continue;
      if (Array.isArray(r)) {
        if (r.length === 1) r = r[0];
        else {
          if (r.length > 1) {
            const keys = this.#keysOf(idx.name, r, op, key);
            if (out === undefined) {
              let same = 0;
              while (
                same < keys.length &&
                prev![len + 2 * same] === idx.name &&
                prev![len + 2 * same + 1] === keys[same]
              ) {
                same++;
              }
              if (same === keys.length) {
                len += 2 * same;
                continue;
              }
              out = copyHead(prev!, len, indexes.length);
            }
            for (const k of keys) {
              out[len++] = idx.name;
              out[len++] = k;
            }
          }
          continue;
        }
      } else if (typeof r !== 'string') {
        throw this.#invalid(op, key, `index "${idx.name}": by must return a string, an array of strings, or nothing`);
      }
      if (out === undefined) {
        if (prev![len] === idx.name && prev![len + 1] === r) {
          len += 2;
          continue;
        }
        out = copyHead(prev!, len, indexes.length);
      }
      if (!isIndexKey(r)) throw this.#badKey(op, key, idx.name, r);
      out[len++] = idx.name;
      out[len++] = r;
    }
    if (out === undefined) return len === prev!.length ? prev! : prev!.slice(0, len);
    if (len !== out.length) out.length = len;
    return out;
  }

  /** Several keys from one `by`: validated, sorted and de-duplicated. */
  #keysOf(name: string, keys: readonly unknown[], op: string, key: string): string[] {
    for (const k of keys) if (typeof k !== 'string') throw this.#badKey(op, key, name, k);
    const sorted = [...(keys as string[])].sort();
    let n = 0;
    for (const k of sorted) {
      if (n > 0 && k === sorted[n - 1]) continue;
      if (!isIndexKey(k)) throw this.#badKey(op, key, name, k);
      sorted[n++] = k;
    }
    sorted.length = n;
    return sorted;
  }

  /** `derive` as the SPI calls it (bound once, so stores call it without an extra closure). */
  readonly deriveForStore = (key: string, value: unknown): string[] => this.derive(key, value as T, 'write');

  #badKey(op: string, key: string, name: string, indexKey: unknown): CacheError {
    return this.#invalid(
      op,
      key,
      `index "${name}": by returned ${typeof indexKey === 'string' ? 'an empty or malformed string' : typeof indexKey}; index keys are non-empty strings`,
    );
  }

  #invalid(op: string, key: string, message: string, cause?: unknown): CacheError {
    return new CacheError('INVALID_VALUE', message, { cacheName: this.#cacheName, op, key, cause });
  }

  /**
   * True when some index covers `key`. Patterns are fixed, so a key no index covers can never
   * have derived memberships: its writes need no membership work at all.
   */
  covers(key: unknown): boolean {
    if (typeof key !== 'string') return false;
    for (const t of this.#tests) if (t(key)) return true;
    return false;
  }

  /** The limited index of `name`, if it has a limit. */
  limitOf(name: string): IndexLimit | undefined {
    for (const i of this.indexes) if (i.name === name) return i.limit;
    return undefined;
  }
}

/** `#derive` resumed at index `from` with that index's `by` result `r` (`from` -1: from the start). */
type Resume = (
  key: string,
  value: unknown,
  prev: readonly string[] | undefined,
  from: number,
  r: unknown,
) => readonly string[];

/** `deriveFrom` for plans without one shared `prefix*` pattern: the general walk from the start. */
function fromStart(
  resume: Resume,
): (key: string, value: unknown, prev: readonly string[] | undefined) => readonly string[] {
  return (key, value, prev) => resume(key, value, prev, -1, undefined);
}

/** True for a valid index key: a non-empty, well-formed string. */
function isIndexKey(r: unknown): r is string {
  return typeof r === 'string' && r.length > 0 && r.isWellFormed();
}

/** A `by` result as one key: a lone string, or the string of a one-element array; else itself. */
function single(r: unknown): unknown {
  return typeof r === 'string' || !Array.isArray(r) || r.length !== 1 ? r : r[0];
}

/**
 * `deriveFrom` for a plan whose indexes all share the pattern `prefix*`: the usual re-write (each
 * index derives the one key it had, so index n's pair is at 2n in `prev`) is decided in straight
 * code, one `by` call per index, with no allocation, and returns `prev` itself. At the first index
 * that differs the general walk resumes from there with that `by`'s result, so every `by` still
 * runs once per write and everything new is validated. Equality with `prev` is only possible for
 * a string (`prev` holds strings), one validated when it joined. One and two indexes (the common
 * plans) get unrolled code, so each `by` call site sees one function; there, a write whose last
 * index now derives one other valid key (the usual move) builds its list directly, without the
 * general walk.
 */
function unchangedFirst<T>(
  prefix: string,
  indexes: readonly CompiledIndex<T>[],
  resume: Resume,
  threw: (key: string, n: number, cause: unknown) => CacheError,
): (key: string, value: unknown, prev: readonly string[] | undefined) => readonly string[] {
  const n = indexes.length;
  if (n === 1) {
    const [{ name: n0, by: b0 }] = indexes as [CompiledIndex<T>];
    return (key, value, prev) => {
      if (prev === undefined || !key.startsWith(prefix)) return resume(key, value, prev, -1, undefined);
      let r: unknown;
      try {
        r = b0(value as T, key);
      } catch (cause) {
        throw threw(key, 0, cause);
      }
      const s = single(r);
      if (s === prev[1] && prev[0] === n0) return prev.length === 2 ? prev : prev.slice(0, 2);
      // The usual move: the index now derives one other key (anything else: the general walk).
      if (isIndexKey(s)) return [n0, s];
      return resume(key, value, prev, 0, r);
    };
  }
  if (n === 2) {
    const [{ name: n0, by: b0 }, { name: n1, by: b1 }] = indexes as [CompiledIndex<T>, CompiledIndex<T>];
    return (key, value, prev) => {
      if (prev === undefined || !key.startsWith(prefix)) return resume(key, value, prev, -1, undefined);
      let r: unknown;
      try {
        r = b0(value as T, key);
      } catch (cause) {
        throw threw(key, 0, cause);
      }
      if (single(r) !== prev[1] || prev[0] !== n0) return resume(key, value, prev, 0, r);
      try {
        r = b1(value as T, key);
      } catch (cause) {
        throw threw(key, 1, cause);
      }
      const s = single(r);
      if (s === prev[3] && prev[2] === n1) return prev.length === 4 ? prev : prev.slice(0, 4);
      // The usual move: the second index now derives one other key (anything else: the general walk).
      if (isIndexKey(s)) return [n0, prev[1]!, n1, s];
      return resume(key, value, prev, 1, r);
    };
  }
  const names = indexes.map((i) => i.name);
  const bys = indexes.map((i) => i.by);
  return (key, value, prev) => {
    if (prev === undefined || !key.startsWith(prefix)) return resume(key, value, prev, -1, undefined);
    for (let i = 0; i < n; i++) {
      let r: unknown;
      try {
        r = bys[i]!(value as T, key);
      } catch (cause) {
        throw threw(key, i, cause);
      }
      if (single(r) !== prev[2 * i + 1] || prev[2 * i] !== names[i]) return resume(key, value, prev, i, r);
    }
    return prev.length === 2 * n ? prev : prev.slice(0, 2 * n);
  };
}

/** A new array holding the first `len` entries of `prev`, with room for `indexes` pairs. */
function copyHead(prev: readonly string[], len: number, indexes: number): string[] {
  const out = new Array<string>(Math.max(len, 2 * indexes));
  for (let i = 0; i < len; i++) out[i] = prev[i]!;
  return out;
}

/**
 * A faster `test` for the usual `'prefix:*'` pattern (a plain prefix and one trailing star);
 * anything else uses the glob's own matcher.
 */
function fastTest(glob: CompiledGlob): (key: string) => boolean {
  const { source, prefix } = glob;
  if (glob.matchesAll) return () => true;
  const literal = glob.literal;
  if (literal !== undefined) return (key) => key === literal;
  if (source === `${escapeGlob(prefix)}*`) return (key) => key.startsWith(prefix);
  return (key) => glob.test(key);
}

/** Sort (name, key) pairs and drop duplicates, so memberships compare as plain arrays. */
export function sortPairs(pairs: readonly string[]): string[] {
  const list: [string, string][] = [];
  for (let i = 0; i + 1 < pairs.length; i += 2) list.push([pairs[i]!, pairs[i + 1]!]);
  list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const out: string[] = [];
  for (const [n, k] of list) {
    if (out.length > 0 && out[out.length - 2] === n && out[out.length - 1] === k) continue;
    out.push(n, k);
  }
  return out;
}

/** Pairs in `a` that are not in `b`. */
export function pairsMinus(a: readonly string[], b: readonly string[]): string[] {
  const seen = new Set<string>();
  for (let i = 0; i + 1 < b.length; i += 2) seen.add(`${b[i]}\u0000${b[i + 1]}`);
  const out: string[] = [];
  for (let i = 0; i + 1 < a.length; i += 2) if (!seen.has(`${a[i]}\u0000${a[i + 1]}`)) out.push(a[i]!, a[i + 1]!);
  return out;
}
