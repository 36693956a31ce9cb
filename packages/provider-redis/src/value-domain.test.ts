import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cborSerializer, jsonSerializer, type Serializer } from './serializer.js';
import { DomainCheck } from './value-domain.js';

/** An array of `n` ones with a hole at `at`. */
const holey = (n: number, at: number) => {
  const a = Array.from({ length: n }, () => 1);
  delete a[at];
  return a;
};

class Session {
  user = 'ada';
}
const cyclic: Record<string, unknown> = { a: 1 };
cyclic.self = cyclic;
const shared = { n: 1 };

/** What the check says, and what the serializer itself does with the value. */
function judge(s: Serializer, value: unknown): { problem: string | undefined; exact: boolean } {
  const problem = new DomainCheck(s.domain as never, s.name).problem(value);
  let exact: boolean;
  try {
    exact = isDeepStrictEqual(s.decode(s.encode(value)), value);
  } catch {
    exact = false; // the serializer throws (a BigInt under JSON, a function under CBOR, a cycle)
  }
  return { problem, exact };
}

// [value, what the cbor check reports (undefined: exact), what the json check reports ('same': as cbor)]
const CASES: [string, () => unknown, string | undefined, string | undefined | 'same'][] = [
  ['plain data', () => ({ id: 1, userId: 'u', tags: ['a'], nested: { ok: true, nil: null } }), undefined, undefined],
  ['a shared (non-cyclic) reference', () => ({ a: shared, b: shared }), undefined, undefined],
  ['a Buffer', () => ({ token: Buffer.from('hi') }), undefined, 'a Buffer (json would store {type, data}) at .token'],
  [
    'a Uint8Array',
    () => ({ bytes: new Uint8Array([1]) }),
    undefined,
    'a Uint8Array (json would store an object of indexes) at .bytes',
  ],
  [
    'a BigInt64Array',
    () => [new BigInt64Array([1n])],
    undefined,
    'a BigInt64Array (json would store an object of indexes) at [0]',
  ],
  ['a Date', () => ({ at: new Date(1_700_000_000_123) }), undefined, 'a Date (json would store a string) at .at'],
  ['a Date 130,000 years back', () => new Date(-4.1e15 - 1), undefined, 'a Date (json would store a string) at .'],
  [
    'a Date too far out',
    () => new Date(-4_461_997_979_952_886),
    'a Date too far from 1970 to keep its milliseconds (stored as float64 seconds) at .',
    'a Date (json would store a string) at .',
  ],
  ['a Map', () => new Map([['k', { n: 1 }]]), undefined, 'a Map (json would store {}) at .'],
  ['a Set', () => ({ s: new Set([1, 'x']) }), undefined, 'a Set (json would store {}) at .s'],
  ['a RegExp', () => ({ r: /a+/gi }), undefined, 'a RegExp (json would store {}) at .r'],
  ['a bigint', () => ({ big: 2n ** 70n }), undefined, 'a bigint (json cannot store one) at .big'],
  ['NaN', () => ({ x: [Number.NaN] }), undefined, 'NaN (it would read back as null) at .x[0]'],
  ['-Infinity', () => Number.NEGATIVE_INFINITY, undefined, '-Infinity (it would read back as null) at .'],
  ['-0', () => ({ n: -0 }), '-0 (it would read back as 0) at .n', 'same'],
  [
    'undefined in an array',
    () => ({ x: [1, undefined] }),
    undefined,
    'undefined in an array (json would store null) at .x[1]',
  ],
  ['an undefined property', () => ({ x: undefined }), undefined, 'undefined (json would drop the property) at .x'],
  ['a hole', () => holey(3, 1), 'a hole in an array (it would read back as undefined or null) at [1]', 'same'],
  ['a WeakMap', () => ({ cache: new WeakMap() }), 'a WeakMap (it cannot be stored exactly) at .cache', 'same'],
  ['a Promise', () => ({ p: Promise.resolve(1) }), 'a Promise (it cannot be stored exactly) at .p', 'same'],
  ['an Error', () => new TypeError('x'), 'a TypeError (it cannot be stored exactly) at .', 'same'],
  [
    'a class instance',
    () => new Session(),
    'an instance of class Session (it would read back as a plain object, without its class) at .',
    'same',
  ],
  [
    'a Map subclass',
    () => ({ m: new (class Registry extends Map {})() }),
    'an instance of class Registry (it would read back as a plain object, without its class) at .m',
    'same',
  ],
  [
    'a null-prototype object',
    () => Object.create(null),
    'an object with a null prototype (it would read back with Object.prototype; copy it with { ...value }) at .',
    'same',
  ],
  ['a function', () => ({ cb() {} }), 'a function (cb) at .cb', 'same'],
  ['a symbol value', () => ({ s: Symbol('x') }), 'a symbol at .s', 'same'],
  ['a symbol key', () => ({ a: { [Symbol('k')]: 1 } }), 'a symbol key (it would be dropped) at .a', 'same'],
  [
    'an own __proto__ key',
    () => JSON.parse('{"a":{"__proto__":1}}'),
    'an own "__proto__" key (dropped on read, to prevent prototype pollution) at .a.__proto__',
    'same',
  ],
  ['a cycle', () => ({ x: cyclic }), 'a cycle (the value contains itself) at .x.self', 'same'],
  [
    'a lone surrogate',
    () => ({ s: 'a\ud800' }),
    'a string with a lone surrogate (cbor would store U+FFFD instead) at .s',
    undefined,
  ], // JSON escapes it
  [
    'a key with a lone surrogate',
    () => ({ ['\udc00']: 1 }),
    'a key with a lone surrogate (cbor would store U+FFFD instead) at ["\\udc00"]',
    undefined,
  ],
  ['an ArrayBuffer', () => ({ b: new ArrayBuffer(2) }), 'an ArrayBuffer (it cannot be stored exactly) at .b', 'same'],
  [
    'a DataView',
    () => ({ b: new DataView(new ArrayBuffer(2)) }),
    'a DataView (it cannot be stored exactly) at .b',
    'same',
  ],
  ['a boxed string', () => ({ s: new String('x') }), 'a String (it cannot be stored exactly) at .s', 'same'],
  [
    'deep inside a Map',
    () => ({ m: new Map([['k', [{ f: () => 1 }]]]) }),
    'a function (f) at .m.get("k")[0].f',
    'a Map (json would store {}) at .m',
  ],
  [
    'a Set member',
    () => new Set([new WeakSet()]),
    'a WeakSet (it cannot be stored exactly) at . (a Set member)',
    'a Set (json would store {}) at .',
  ],
  ['an odd key', () => ({ 'a b': { 'x-y': -0 } }), '-0 (it would read back as 0) at ["a b"]["x-y"]', 'same'],
];

describe('value domains', () => {
  for (const [name, make, cborProblem, jsonProblem] of CASES) {
    it(`cbor: ${name} ${cborProblem === undefined ? 'round-trips and is accepted' : 'is refused, naming the loss'}`, () => {
      const { problem, exact } = judge(cborSerializer(), make());
      expect(problem).toBe(cborProblem);
      // The check is neither too strict nor too lax: it refuses exactly what cbor-x would change.
      if (name !== 'a cycle' && name !== 'a shared (non-cyclic) reference')
        expect(exact).toBe(cborProblem === undefined);
    });
    const jsonExpected = jsonProblem === 'same' ? cborProblem : jsonProblem;
    it(`json: ${name} ${jsonExpected === undefined ? 'round-trips and is accepted' : 'is refused, naming the loss'}`, () => {
      const { problem, exact } = judge(jsonSerializer(), make());
      expect(problem).toBe(jsonExpected);
      if (name !== 'a cycle' && name !== 'a shared (non-cyclic) reference')
        expect(exact).toBe(jsonExpected === undefined);
    });
  }

  it('an invalid Date is accepted and reads back invalid (isDeepStrictEqual calls two invalid Dates unequal)', () => {
    const s = cborSerializer();
    expect(new DomainCheck(s.domain as never, 'cbor').problem([new Date(Number.NaN)])).toBeUndefined();
    expect((s.decode(s.encode([new Date(Number.NaN)])) as Date[])[0]!.getTime()).toBeNaN();
  });

  it('shared references are accepted (values equal on read; identity is not kept)', () => {
    const s = cborSerializer();
    const out = s.decode(s.encode({ a: shared, b: shared })) as { a: unknown; b: unknown };
    expect(out).toEqual({ a: shared, b: shared });
    expect(out.a).not.toBe(out.b);
  });

  it('nesting deeper than 512 levels is refused', () => {
    let v: unknown = 1;
    for (let i = 0; i < 600; i++) v = [v];
    expect(new DomainCheck([], 'json').problem(v)).toMatch(/^nesting deeper than 512 levels at (\[0\]){512}$/);
  });

  it('the check is reusable after a refusal (no state left behind)', () => {
    const check = new DomainCheck(cborSerializer().domain as never, 'cbor');
    const v = { a: { b: cyclic } };
    expect(check.problem(v)).toMatch(/cycle/);
    expect(check.problem({ a: { b: 1 } })).toBeUndefined();
    expect(check.problem(v)).toMatch(/cycle/);
  });

  for (const s of [cborSerializer(), jsonSerializer()]) {
    it(`${s.name}: whatever the check accepts reads back deep-strict-equal (fast-check)`, () => {
      const check = new DomainCheck(s.domain as never, s.name);
      let accepted = 0;
      fc.assert(
        fc.property(
          fc.anything({
            withBigInt: true,
            withBoxedValues: true,
            withDate: true,
            withMap: true,
            withSet: true,
            withNullPrototype: true,
            withObjectString: true,
            withSparseArray: true,
            withTypedArray: true,
            withUnicodeString: true,
          }),
          (v) => {
            if (check.problem(v) !== undefined) return;
            accepted++;
            expect(isDeepStrictEqual(s.decode(s.encode(v)), v)).toBe(true);
          },
        ),
        { numRuns: 2000 },
      );
      expect(accepted).toBeGreaterThan(200); // the property is not vacuous
    });
  }
});
