import { isDeepStrictEqual } from 'node:util';
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cborSerializer, jsonSerializer } from './serializer.js';
import { DecodeFailure, OutOfDomain, ValueCodec } from './value-codec.js';
import { mayHoldLoneSurrogate } from './value-domain.js';

/** Stored bytes as cbor-x writes them, without the codec's domain check. */
const rawCbor = (v: unknown) => Buffer.concat([Buffer.from([0x67, 1]), cborSerializer().encode(v)]);

const hasNegativeZero = (v: unknown) =>
  JSON.stringify(v, (_k, x) => (Object.is(x, -0) ? '\u0000-0' : x)).includes('\\u0000-0');

const cbor = (compressThreshold?: number, maxValueBytes = 1 << 20) =>
  new ValueCodec({ serializer: cborSerializer(), compressThreshold, maxValueBytes });

describe('value codec (cbor)', () => {
  it('round-trips Date, Map, Set, BigInt and typed arrays', () => {
    const c = cbor();
    const v = {
      d: new Date(1_700_000_000_123),
      m: new Map<unknown, unknown>([
        ['a', 1],
        [2, { b: [null, true] }],
      ]),
      s: new Set(['x', 3]),
      big: -(10n ** 30n),
      u8: new Uint8Array([0, 255]),
      f64: new Float64Array([1.5, Number.NaN]),
      i32: new Int32Array([-7]),
      nested: [{ deep: { nan: Number.NaN, inf: Number.POSITIVE_INFINITY } }],
      empty: '',
      zero: 0,
      no: false,
      nil: null,
    };
    expect(c.decode(c.encode(v))).toEqual(v);
  });

  it('round-trips arbitrary JSON-like values', () => {
    const c = cbor();
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        // Own __proto__ keys and -0 are refused on write (see value-domain.test.ts).
        fc.pre(!JSON.stringify(v).includes('__proto__') && !hasNegativeZero(v));
        expect(c.decode(c.encode(v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 500 },
    );
  });

  it('compresses values at or over the threshold and reads both forms', () => {
    const c = cbor(100);
    const big = 'x'.repeat(10_000);
    const packed = c.encode(big);
    expect(packed.byteLength).toBeLessThan(1000);
    expect(packed[1]).toBe(2);
    expect(c.decode(packed)).toBe(big);
    expect(cbor().decode(packed)).toBe(big); // a reader without compression still understands it
    const small = c.encode('tiny');
    expect(small[1]).toBe(1);
    expect(c.decode(small)).toBe('tiny');
  });

  it('refuses a compression bomb beyond maxValueBytes', () => {
    const bomb = Buffer.concat([Buffer.from([0x67, 2]), deflateRawSync(Buffer.alloc(10_000_000))]);
    expect(() => cbor(undefined, 1 << 20).decode(bomb)).toThrow(DecodeFailure);
  });

  it('turns corrupt or foreign bytes into DecodeFailure, never a crash', () => {
    const c = cbor();
    for (const bytes of [
      Buffer.alloc(0),
      Buffer.from('plain text'),
      Buffer.from([0x67]),
      Buffer.from([0x67, 9, 1]),
      Buffer.from([0x67, 1, 0xff, 0x12]),
      Buffer.from([0x67, 2, 1, 2, 3]),
      c.encode({ a: 'hello world' }).subarray(0, 6),
    ]) {
      expect(() => c.decode(bytes)).toThrow(DecodeFailure);
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (junk) => {
        try {
          c.decode(Buffer.concat([Buffer.from([0x67, 1]), junk]));
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeFailure);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('does not let __proto__ payloads pollute prototypes', () => {
    const c = cbor();
    const evil = JSON.parse('{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 2}}}');
    // The store refuses to write an own __proto__ key; bytes written by anything else may hold one.
    expect(() => c.encode(evil)).toThrow(/own "__proto__" key/);
    const out = c.decode(rawCbor(evil)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(out.polluted).toBeUndefined();
    const map = c.decode(c.encode(new Map([['__proto__', { polluted: 3 }]]))) as Map<string, unknown>;
    expect(map.get('__proto__')).toEqual({ polluted: 3 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('value codec (json)', () => {
  const c = new ValueCodec({ serializer: jsonSerializer(), compressThreshold: undefined, maxValueBytes: 1 << 20 });

  it('round-trips JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        fc.pre(!JSON.stringify(v).includes('__proto__') && !hasNegativeZero(v));
        expect(c.decode(c.encode(v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 300 },
    );
  });

  it('drops __proto__ keys and rejects invalid UTF-8', () => {
    const out = c.decode(Buffer.concat([Buffer.from([0x67, 1]), Buffer.from('{"__proto__":{"polluted":1},"a":1}')]));
    expect(out).toEqual({ a: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(() => c.decode(Buffer.from([0x67, 1, 0xc3, 0x28]))).toThrow(DecodeFailure);
  });
});

describe('value codec: only exact values are written', () => {
  const codecs = [
    cbor(),
    cbor(64),
    new ValueCodec({ serializer: jsonSerializer(), compressThreshold: undefined, maxValueBytes: 1 << 20 }),
  ];
  // Any UTF-16 code unit, lone surrogates included.
  const units = fc.string({ unit: fc.nat(0xffff).map((n) => String.fromCharCode(n)), maxLength: 80 });

  it('refuses lone surrogates under cbor (short and long strings, keys), found from the encoded bytes', () => {
    const c = cbor();
    expect(() => c.encode({ s: 'a\ud800' })).toThrow(OutOfDomain);
    expect(() => c.encode({ s: `${'x'.repeat(300)}\udc00` })).toThrow(/lone surrogate .* at \.s/);
    expect(() => c.encode([{ '\ud83d': 1 }])).toThrow(/a key with a lone surrogate/);
    // Bytes that only look suspicious: Hangul (ED 80..9F), a real U+FFFD, binary data.
    for (const v of ['한국어', '\ufffd', new Uint8Array([0xed, 0xa0, 0x80, 0xef, 0xbf, 0xbd]), '😀']) {
      expect(c.decode(c.encode(v))).toEqual(v);
    }
  });

  it('mayHoldLoneSurrogate sees both ways cbor-x writes one', () => {
    expect(mayHoldLoneSurrogate(cborSerializer().encode('\ud800'))).toBe(true);
    expect(mayHoldLoneSurrogate(cborSerializer().encode('x'.repeat(300) + '\ud800'))).toBe(true);
    expect(mayHoldLoneSurrogate(cborSerializer().encode({ a: 'plain ascii', n: 1 }))).toBe(false);
  });

  for (const c of codecs) {
    it(`${c.serializerName}: a string or key either round-trips exactly or is refused (fast-check)`, () => {
      fc.assert(
        fc.property(
          fc.dictionary(units, fc.array(units, { maxLength: 3 }), { maxKeys: 4, noNullPrototype: true }),
          (v) => {
            fc.pre(!Object.hasOwn(v, '__proto__'));
            let bytes: Buffer;
            try {
              bytes = c.encode(v);
            } catch (e) {
              expect(e).toBeInstanceOf(OutOfDomain);
              expect(c.serializerName).toBe('cbor'); // JSON escapes lone surrogates: nothing to refuse
              expect(JSON.stringify(v)).toMatch(/\\ud[89a-f]/);
              return;
            }
            expect(isDeepStrictEqual(c.decode(bytes), v)).toBe(true);
          },
        ),
        { numRuns: 1000 },
      );
    });
  }
});
