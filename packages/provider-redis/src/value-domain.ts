/**
 * What a serializer round-trips exactly beyond plain JSON data (`null`, booleans, finite numbers
 * other than `-0`, well-formed strings, arrays without holes, plain objects with string keys):
 *
 * - `'undefined'`: `undefined` as an array element or a property value;
 * - `'negative-zero'`: `-0`;
 * - `'non-finite'`: `NaN`, `Infinity`, `-Infinity`;
 * - `'bigint'`: `BigInt`s;
 * - `'date'`, `'map'`, `'set'`, `'regexp'`: instances of exactly those classes (not subclasses);
 *   a `Date` within about ±139,000 years of 1970 (it travels as float64 seconds);
 * - `'typed-array'`: `Buffer` and the typed arrays from `Int8Array` to `BigUint64Array`
 *   (not `Float16Array`, `DataView` or a bare `ArrayBuffer`);
 * - `'lone-surrogate'`: strings that are not well-formed UTF-16 (a UTF-8 encoder replaces a lone
 *   surrogate with U+FFFD).
 */
export type ValueKind =
  | 'undefined'
  | 'negative-zero'
  | 'non-finite'
  | 'bigint'
  | 'date'
  | 'map'
  | 'set'
  | 'regexp'
  | 'typed-array'
  | 'lone-surrogate';

/** The kinds beyond plain JSON data a serializer round-trips exactly; see `ValueKind`. */
export type ValueDomain = readonly ValueKind[];

/** Every `ValueKind`, for validation and for tools that enumerate a domain. */
export const VALUE_KINDS: readonly ValueKind[] = [
  'undefined',
  'negative-zero',
  'non-finite',
  'bigint',
  'date',
  'map',
  'set',
  'regexp',
  'typed-array',
  'lone-surrogate',
];

/** What would be lost, and where: `path` is built only on failure, innermost segment first. */
interface Loss {
  readonly what: string;
  readonly path: string[];
}

/** A domain as flags, resolved once per serializer so the walk reads fields, not arrays. */
interface Flags {
  readonly undef: boolean;
  readonly negZero: boolean;
  readonly nonFinite: boolean;
  readonly bigint: boolean;
  readonly date: boolean;
  readonly map: boolean;
  readonly set: boolean;
  readonly regexp: boolean;
  readonly typed: boolean;
  readonly lone: boolean;
}

const TYPED_PROTOS = new Set<object>(
  [
    Buffer,
    Int8Array,
    Uint8Array,
    Uint8ClampedArray,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    Float32Array,
    Float64Array,
    BigInt64Array,
    BigUint64Array,
  ].map((c) => c.prototype),
);

/** Deepest nesting walked; deeper values are refused (each level costs the encoder stack too). */
const MAX_DEPTH = 512;

/**
 * Checks values against one domain. One recursive walk; for plain JSON-like values it allocates
 * nothing but what `Object.getOwnPropertySymbols` returns per object, and the ancestor stack for
 * cycle detection is reused across calls.
 */
export class DomainCheck {
  readonly #f: Flags;
  readonly #serializer: string;
  readonly #ancestors: object[] = [];

  /**
   * `stringsLater`: skip the lone-surrogate test of each string and key (a call per string, the
   * largest part of the walk's cost) because the caller scans the encoded bytes instead and asks a
   * full check only when they may hold one (see `mayHoldLoneSurrogate`).
   */
  constructor(domain: ValueDomain, serializerName: string, stringsLater = false) {
    const has = (k: ValueKind) => domain.includes(k) || (stringsLater && k === 'lone-surrogate');
    this.#f = {
      undef: has('undefined'),
      negZero: has('negative-zero'),
      nonFinite: has('non-finite'),
      bigint: has('bigint'),
      date: has('date'),
      map: has('map'),
      set: has('set'),
      regexp: has('regexp'),
      typed: has('typed-array'),
      lone: has('lone-surrogate'),
    };
    this.#serializer = serializerName;
  }

  /** `undefined` when `value` round-trips exactly, else what would be lost, e.g. `a Buffer at .token`. */
  problem(value: unknown): string | undefined {
    const loss = this.#walk(value, 0);
    if (loss === undefined) return undefined;
    this.#ancestors.length = 0;
    const path = loss.path.reverse().join('');
    return `${loss.what} at ${path.startsWith('.') || path.startsWith('[') ? path : `.${path}`}`;
  }

  #walk(v: unknown, depth: number): Loss | undefined {
    switch (typeof v) {
      case 'string':
        return this.#f.lone || v.isWellFormed()
          ? undefined
          : lost(`a string with a lone surrogate (${this.#serializer} would store U+FFFD instead)`);
      case 'number':
        if (v === 0) return this.#f.negZero || 1 / v > 0 ? undefined : lost('-0 (it would read back as 0)');
        return this.#f.nonFinite || Number.isFinite(v) ? undefined : lost(`${v} (it would read back as null)`);
      case 'boolean':
        return undefined;
      case 'bigint':
        return this.#f.bigint ? undefined : lost(`a bigint (${this.#serializer} cannot store one)`);
      case 'undefined':
        return this.#f.undef ? undefined : lost(`undefined (${this.#serializer} has no undefined)`);
      case 'function':
        return lost(`a function${v.name === '' ? '' : ` (${v.name})`}`);
      case 'symbol':
        return lost('a symbol');
      default:
        return v === null ? undefined : this.#object(v as object, depth);
    }
  }

  #object(o: object, depth: number): Loss | undefined {
    if (depth >= MAX_DEPTH) return lost(`nesting deeper than ${MAX_DEPTH} levels`);
    const anc = this.#ancestors;
    for (let i = 0; i < depth; i++) if (anc[i] === o) return lost('a cycle (the value contains itself)');
    anc[depth] = o;
    const proto = Object.getPrototypeOf(o) as object | null;
    let loss: Loss | undefined;
    if (proto === Array.prototype) loss = this.#array(o as unknown[], depth + 1);
    else if (proto === Object.prototype) loss = this.#plain(o as Record<string, unknown>, depth + 1);
    else if (proto === Date.prototype) loss = this.#date(o as Date);
    else if (proto === Map.prototype)
      loss = this.#f.map
        ? this.#map(o as Map<unknown, unknown>, depth + 1)
        : lost(`a Map (${this.#serializer} would store {})`);
    else if (proto === Set.prototype)
      loss = this.#f.set ? this.#set(o as Set<unknown>, depth + 1) : lost(`a Set (${this.#serializer} would store {})`);
    else if (proto === RegExp.prototype)
      loss = this.#f.regexp ? undefined : lost(`a RegExp (${this.#serializer} would store {})`);
    else if (proto !== null && TYPED_PROTOS.has(proto)) {
      loss = this.#f.typed
        ? undefined
        : lost(
            `a ${(proto as { constructor: { name: string } }).constructor.name} (${this.#serializer} would store ${proto === Buffer.prototype ? '{type, data}' : 'an object of indexes'})`,
          );
    } else loss = lost(instanceOf(proto));
    if (loss === undefined) anc[depth] = undefined as unknown as object;
    return loss;
  }

  #date(d: Date): Loss | undefined {
    if (!this.#f.date) return lost(`a Date (${this.#serializer} would store a string)`);
    // Dates travel as float64 seconds (CBOR tag 1, and the usual choice elsewhere): beyond about
    // ±139,000 years from 1970 (2^42 ms) a millisecond can be lost.
    const t = d.getTime();
    return Number.isNaN(t) || Math.round((t / 1000) * 1000) === t
      ? undefined
      : lost('a Date too far from 1970 to keep its milliseconds (stored as float64 seconds)');
  }

  #array(a: unknown[], depth: number): Loss | undefined {
    for (let i = 0; i < a.length; i++) {
      const el = a[i];
      let loss: Loss | undefined;
      if (el === undefined) {
        if (!(i in a)) loss = lost('a hole in an array (it would read back as undefined or null)');
        else if (!this.#f.undef) loss = lost(`undefined in an array (${this.#serializer} would store null)`);
      } else loss = this.#walk(el, depth);
      if (loss !== undefined) {
        loss.path.push(`[${i}]`);
        return loss;
      }
    }
    return undefined;
  }

  #plain(o: Record<string, unknown>, depth: number): Loss | undefined {
    if (Object.getOwnPropertySymbols(o).length > 0) return lost('a symbol key (it would be dropped)');
    for (const k in o) {
      let loss: Loss | undefined;
      const el = o[k];
      if (!this.#f.lone && !k.isWellFormed())
        loss = lost(`a key with a lone surrogate (${this.#serializer} would store U+FFFD instead)`);
      else if (k === '__proto__')
        loss = lost('an own "__proto__" key (dropped on read, to prevent prototype pollution)');
      else if (el === undefined && !this.#f.undef)
        loss = lost(`undefined (${this.#serializer} would drop the property)`);
      else loss = this.#walk(el, depth);
      if (loss !== undefined) {
        loss.path.push(segment(k));
        return loss;
      }
    }
    return undefined;
  }

  #map(m: Map<unknown, unknown>, depth: number): Loss | undefined {
    for (const [k, v] of m) {
      let loss = this.#walk(k, depth);
      if (loss !== undefined) {
        loss.path.push(' (a Map key)');
        return loss;
      }
      loss = this.#walk(v, depth);
      if (loss !== undefined) {
        loss.path.push(`.get(${typeof k === 'string' ? JSON.stringify(k) : typeof k === 'number' ? String(k) : '…'})`);
        return loss;
      }
    }
    return undefined;
  }

  #set(s: Set<unknown>, depth: number): Loss | undefined {
    for (const v of s) {
      const loss = this.#walk(v, depth);
      if (loss !== undefined) {
        loss.path.push(' (a Set member)');
        return loss;
      }
    }
    return undefined;
  }
}

function lost(what: string): Loss {
  return { what, path: [] };
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function segment(key: string): string {
  return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** `a WeakMap` for a built-in, `an instance of class Session` for anything else. */
function instanceOf(proto: object | null): string {
  const ctor = (proto as { constructor?: unknown } | null)?.constructor;
  const name = typeof ctor === 'function' && ctor.name !== '' ? ctor.name : undefined;
  if (proto === null)
    return 'an object with a null prototype (it would read back with Object.prototype; copy it with { ...value })';
  if (name === undefined) return 'an object with a custom prototype (it would read back as a plain object)';
  if ((globalThis as Record<string, unknown>)[name] === ctor) {
    return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name} (it cannot be stored exactly)`;
  }
  return `an instance of class ${name} (it would read back as a plain object, without its class)`;
}

/**
 * Whether UTF-8 written by cbor-x may hold a lone surrogate: its JavaScript encoder writes one as
 * `ED A0..BF xx`, Node's native one (long strings) as U+FFFD `EF BF BD`. Two byte scans, so the
 * walk need not test every string; a false positive (Hangul, binary data, a real U+FFFD) only
 * costs a full check.
 */
export function mayHoldLoneSurrogate(bytes: Uint8Array): boolean {
  for (let i = bytes.indexOf(0xed); i !== -1; i = bytes.indexOf(0xed, i + 1)) {
    const b = bytes[i + 1]!;
    if (b >= 0xa0 && b <= 0xbf) return true;
  }
  for (let i = bytes.indexOf(0xef); i !== -1; i = bytes.indexOf(0xef, i + 1)) {
    if (bytes[i + 1] === 0xbf && bytes[i + 2] === 0xbd) return true;
  }
  return false;
}
