import { type Cache, CacheError, type OpOptions } from '@gocache/core';
import type { IndexPlan } from './index-plan.js';
import type { IndexQuery, IndexTerm } from './types.js';

/** A query normalised to terms and a mode. */
export interface ParsedQuery {
  readonly mode: 'all' | 'any';
  readonly terms: readonly IndexTerm<string>[];
}

/** Validate a query against the declared indexes (for callers without the types' protection). */
export function parseQuery<T>(cacheName: string, plan: IndexPlan<T>, q: IndexQuery<string>, op: string): ParsedQuery {
  const fail = (m: string) => new CacheError('INVALID_ARGUMENT', m, { cacheName, op });
  if (q === null || typeof q !== 'object') {
    throw fail(
      "query must be { index, key }, { all: [...] } or { any: [...] }, e.g. { index: 'sessions_by_user', key: 'u1' }",
    );
  }
  let mode: 'all' | 'any';
  let terms: readonly IndexTerm<string>[];
  if ('all' in q) {
    mode = 'all';
    terms = q.all;
  } else if ('any' in q) {
    mode = 'any';
    terms = q.any;
  } else {
    mode = 'all';
    terms = [q];
  }
  if (!Array.isArray(terms) || terms.length === 0)
    throw fail(`query.${mode} must be a non-empty array of { index, key }`);
  for (const t of terms) {
    if (t === null || typeof t !== 'object' || !plan.names.has(t.index)) {
      throw fail(
        `unknown index ${JSON.stringify((t as { index?: unknown } | null)?.index)}; declared: ${[...plan.names].join(', ')}`,
      );
    }
    if (typeof t.key !== 'string' || t.key.length === 0)
      throw fail(`index key of "${t.index}" must be a non-empty string`);
  }
  return { mode, terms };
}

/** Candidate keys from the store's index sets: intersection (`all`) or union (`any`). */
async function candidates<T>(cache: Cache<T>, q: ParsedQuery, opts: OpOptions | undefined): Promise<string[]> {
  const sets = await Promise.all(q.terms.map((t) => cache.getByIndex(t.index, t.key, opts)));
  if (sets.length === 1) return sets[0]!;
  if (q.mode === 'any') return [...new Set(sets.flat())];
  sets.sort((a, b) => a.length - b.length);
  let acc = new Set(sets[0]);
  for (let i = 1; i < sets.length && acc.size > 0; i++) {
    const s = new Set(sets[i]);
    acc = new Set([...acc].filter((k) => s.has(k)));
  }
  return [...acc];
}

/** True when `value` at `key` derives the query's terms (all of them, or any). */
function matches<T>(plan: IndexPlan<T>, q: ParsedQuery, key: string, value: T): boolean {
  let pairs: string[];
  try {
    pairs = plan.derive(key, value, 'query');
  } catch {
    return false;
  }
  const has = (t: IndexTerm<string>) => {
    for (let i = 0; i + 1 < pairs.length; i += 2) if (pairs[i] === t.index && pairs[i + 1] === t.key) return true;
    return false;
  };
  return q.mode === 'all' ? q.terms.every(has) : q.terms.some(has);
}

/**
 * Run a query: candidate keys from the index sets, then (with `verify`) one `getMany` that drops
 * any key whose entry is gone or whose current value no longer derives the terms (a membership
 * left behind by a racing writer in the non-atomic mode).
 */
export async function runQuery<T>(
  cache: Cache<T>,
  plan: IndexPlan<T>,
  q: ParsedQuery,
  verify: boolean,
  opts: OpOptions | undefined,
): Promise<Map<string, T> | string[]> {
  const keys = await candidates(cache, q, opts);
  if (!verify) return keys.sort();
  const found = keys.length === 0 ? new Map<string, T>() : await cache.getMany(keys, opts);
  const out = new Map<string, T>();
  for (const k of [...found.keys()].sort()) {
    const v = found.get(k) as T;
    if (matches(plan, q, k, v)) out.set(k, v);
  }
  return out;
}
