import { Encoder } from 'cbor-x';

/**
 * Turns values into bytes and back. `decode` may throw on bad input; the store turns that into
 * `SERIALIZATION` (or a miss, when configured) and a security event.
 */
export interface Serializer {
  /** Short name recorded in errors and security events, e.g. `'cbor'`. */
  readonly name: string;
  encode(value: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

/**
 * CBOR via cbor-x: `Date`, `Map`, `Set`, `BigInt`, typed arrays, `NaN`/`Infinity` and `undefined`
 * inside containers round-trip. Records are off so every stored value is self-describing (no
 * structure shared between writes or processes). cbor-x never assigns an own `__proto__` key on
 * decode (it renames it to `__proto_`), so decoded bytes cannot pollute prototypes.
 */
export function cborSerializer(): Serializer {
  const cbor = new Encoder({ useRecords: false });
  return {
    name: 'cbor',
    encode: (value) => cbor.encode(value),
    decode: (bytes) => cbor.decode(bytes),
  };
}

/**
 * JSON: readable in `redis-cli`, but only JSON types survive (`Date` becomes a string, `Map`/`Set`
 * become `{}`/`[]`, `BigInt` throws). `__proto__` keys are dropped on decode so stored JSON cannot
 * pollute prototypes.
 */
export function jsonSerializer(): Serializer {
  const enc = new TextEncoder();
  const dec = new TextDecoder('utf-8', { fatal: true });
  return {
    name: 'json',
    encode: (value) => enc.encode(JSON.stringify(value)),
    decode: (bytes) => JSON.parse(dec.decode(bytes), (k, v) => (k === '__proto__' ? undefined : v)),
  };
}
