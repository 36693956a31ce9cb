/**
 * The records the portable index layer keeps in a key/value-only store.
 *
 * Every user entry is stored as an envelope `{ v, ix }` under `v:<key>`: `ix` lists the entry's
 * memberships as flat `[indexName, indexKey, …]` pairs, so memberships are written with the
 * provider's own atomic compare-and-set and live and die with the entry (delete, expiry, eviction,
 * clear take them along). `i:<len>:<indexName><indexKey>` holds a *hint*: the keys that may be in
 * that set. Queries read the hint and keep only keys whose envelope confirms the membership, so a
 * stale hint can make a query slower, never wrong.
 */

/** What the inner store holds for a user entry. */
export interface Envelope {
  readonly v: unknown;
  /** Memberships as consecutive (indexName, indexKey) pairs. */
  readonly ix: readonly string[];
}

/** What the inner store holds for one index set. */
export interface Hint {
  /** Keys that may be members (a superset of the live members, pruned as it is read). */
  readonly m: readonly string[];
  /** Live members counted at the last prune; the record is pruned again when it doubles. */
  readonly live: number;
  /** Latest expiry (epoch ms) of any member that joined, `null` when one never expires. */
  readonly exp: number | null;
}

const VALUE_PREFIX = 'v:';

/** The inner key of a user entry. */
export function valueKey(key: string): string {
  return VALUE_PREFIX + key;
}

/** The user key of an inner key, or `undefined` for an internal record. */
export function userKey(innerKey: string): string | undefined {
  return innerKey.startsWith(VALUE_PREFIX) ? innerKey.slice(VALUE_PREFIX.length) : undefined;
}

/** The inner key of an index set's hint; length-prefixed so no two (name, key) pairs collide. */
export function hintKey(indexName: string, indexKey: string): string {
  return `i:${indexName.length}:${indexName}${indexKey}`;
}

/** True when `value` is an envelope this layer wrote (anything else under `v:` is foreign). */
export function isEnvelope(value: unknown): value is Envelope {
  return typeof value === 'object' && value !== null && 'v' in value && Array.isArray((value as { ix?: unknown }).ix);
}

/** True when the envelope lists the membership. */
export function hasMembership(env: Envelope, indexName: string, indexKey: string): boolean {
  const ix = env.ix;
  for (let i = 0; i < ix.length; i += 2) if (ix[i] === indexName && ix[i + 1] === indexKey) return true;
  return false;
}

/** The memberships of an envelope as objects. */
export function memberships(ix: readonly string[]): { indexName: string; indexKey: string }[] {
  const out: { indexName: string; indexKey: string }[] = [];
  for (let i = 0; i + 1 < ix.length; i += 2) out.push({ indexName: ix[i]!, indexKey: ix[i + 1]! });
  return out;
}

/** True when `value` is a hint record. */
export function isHint(value: unknown): value is Hint {
  return typeof value === 'object' && value !== null && Array.isArray((value as { m?: unknown }).m);
}
