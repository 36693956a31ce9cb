/**
 * Values stored by `getOrSet(…, { grace })` keep a logical expiry beside the store's physical one:
 * the store holds `{ [STALE_AT]: staleAt, e: expiresAt, v: value, r?: claim }` for `ttl + grace`,
 * and core treats the value as absent for every read after `staleAt` — except a `getOrSet` with
 * `grace`, which serves it while one refresh runs. The field name cannot be produced by accident
 * (it starts with NUL), and the record is plain data, so it survives every serializer.
 */
export const STALE_AT = '\u0000gocache:staleAt';

/** A claim on the refresh of a stale value: who refreshes (`u`) and until when (`t`, epoch ms). */
export interface RefreshClaim {
  readonly u: string;
  readonly t: number;
}

export interface GraceRecord<T> {
  readonly [STALE_AT]: number;
  /** Physical expiry (epoch ms): `staleAt + grace`. */
  readonly e: number;
  readonly v: T;
  readonly r?: RefreshClaim | undefined;
}

export function isGraceRecord(x: unknown): x is GraceRecord<unknown> {
  return typeof x === 'object' && x !== null && Object.hasOwn(x, STALE_AT);
}

export function graceRecord<T>(v: T, staleAt: number, expiresAt: number, r?: RefreshClaim): GraceRecord<T> {
  return r === undefined ? { [STALE_AT]: staleAt, e: expiresAt, v } : { [STALE_AT]: staleAt, e: expiresAt, v, r };
}

/** The value a read may return: the record's value while it is fresh, `undefined` once stale. */
export function liveValue<T>(raw: T | GraceRecord<T> | undefined, now: number): T | undefined {
  if (!isGraceRecord(raw)) return raw;
  return now < raw[STALE_AT] ? raw.v : undefined;
}
