import { Encoder } from 'cbor-x';
import type { ValueDomain } from './value-domain.js';

/**
 * Turns values into bytes and back. `decode` may throw on bad input; the store turns that into
 * `SERIALIZATION` (or a miss, when configured) and a security event.
 */
export interface Serializer {
  /** Short name recorded in errors and security events, e.g. `'cbor'`. */
  readonly name: string;
  /**
   * What `decode(encode(v))` gives back exactly, beyond plain JSON data (see `ValueKind`): a write
   * of anything else is refused with `SERIALIZATION` before it is encoded. `'unchecked'` opts out
   * (your serializer is trusted to be exact, or to throw).
   */
  readonly domain: ValueDomain | 'unchecked';
  encode(value: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

/**
 * CBOR via cbor-x: `Date`, `Map`, `Set`, `RegExp`, `BigInt`, `Buffer` and typed arrays,
 * `NaN`/`Infinity` and `undefined` inside containers round-trip. Records are off so every stored
 * value is self-describing (no structure shared between writes or processes). cbor-x never assigns
 * an own `__proto__` key on decode (it renames it to `__proto_`), so decoded bytes cannot pollute
 * prototypes. cbor-x writes `-0` as the integer 0, so `-0` is refused.
 */
export function cborSerializer(): Serializer {
  const cbor = new Encoder({ useRecords: false });
  const s: Serializer = {
    name: 'cbor',
    domain: ['undefined', 'non-finite', 'bigint', 'date', 'map', 'set', 'regexp', 'typed-array'],
    encode: (value) => cbor.encode(value),
    decode: (bytes) => cbor.decode(bytes),
  };
  CBOR_X.add(s);
  return s;
}

const CBOR_X = new WeakSet<Serializer>();

/** True for a serializer made by `cborSerializer()`: strings are written as cbor-x's UTF-8. */
export function writesCborXStrings(s: Serializer): boolean {
  return CBOR_X.has(s);
}

/**
 * JSON: readable in `redis-cli`, but only JSON data round-trips (a `Date`, `Map`, `Set`, `Buffer`,
 * `BigInt`, `-0`, `NaN` or `undefined` is refused, not silently changed). `__proto__` keys are
 * dropped on decode so stored JSON cannot pollute prototypes.
 */
export function jsonSerializer(): Serializer {
  const enc = new TextEncoder();
  const dec = new TextDecoder('utf-8', { fatal: true });
  return {
    name: 'json',
    // JSON.stringify escapes lone surrogates (\ud800), so they survive.
    domain: ['lone-surrogate'],
    encode: (value) => enc.encode(JSON.stringify(value)),
    decode: (bytes) => JSON.parse(dec.decode(bytes), (k, v) => (k === '__proto__' ? undefined : v)),
  };
}
