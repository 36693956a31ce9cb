import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { type Serializer, writesCborXStrings } from './serializer.js';
import { DomainCheck, mayHoldLoneSurrogate } from './value-domain.js';

// Every stored value starts with a 2-byte header: a magic byte, so foreign bytes are recognised,
// and a format byte, so compressed and plain values can coexist after a threshold change.
const MAGIC = 0x67; // 'g'
const PLAIN = 0x01;
const DEFLATE = 0x02;

/** Why stored bytes could not be turned back into a value. */
export class DecodeFailure extends Error {
  override readonly name = 'DecodeFailure';
}

/** A value outside the serializer's domain: what would be lost, and where (`a Buffer at .token`). */
export class OutOfDomain extends Error {
  override readonly name = 'OutOfDomain';
}

/** Settings of the value codec. */
export interface ValueCodecOptions {
  serializer: Serializer;
  /** Compress encoded values of at least this many bytes (`undefined` = never). */
  compressThreshold: number | undefined;
  /** Refuse to inflate a value beyond this many bytes (a guard against compression bombs). */
  maxValueBytes: number;
}

/** Encodes values to the stored byte format and back. */
export class ValueCodec {
  readonly #o: ValueCodecOptions;
  readonly #check: DomainCheck | undefined;
  /** cbor: the full check (strings too), asked only when the encoded bytes may hold a lone surrogate. */
  readonly #stringCheck: DomainCheck | undefined;

  constructor(options: ValueCodecOptions) {
    this.#o = options;
    const { domain, name } = options.serializer;
    if (domain === 'unchecked') return;
    const later = writesCborXStrings(options.serializer) && !domain.includes('lone-surrogate');
    this.#check = new DomainCheck(domain, name, later);
    if (later) this.#stringCheck = new DomainCheck(domain, name);
  }

  get serializerName(): string {
    return this.#o.serializer.name;
  }

  /** Throws `OutOfDomain` for a value the serializer would not give back exactly. */
  encode(value: unknown): Buffer {
    const problem = this.#check?.problem(value);
    if (problem !== undefined) throw new OutOfDomain(problem);
    const raw = this.#o.serializer.encode(value);
    if (this.#stringCheck !== undefined && mayHoldLoneSurrogate(raw)) {
      const p = this.#stringCheck.problem(value);
      if (p !== undefined) throw new OutOfDomain(p);
    }
    const t = this.#o.compressThreshold;
    if (t !== undefined && raw.byteLength >= t) {
      const packed = deflateRawSync(raw);
      // Incompressible data stays plain rather than growing.
      if (packed.byteLength < raw.byteLength) return Buffer.concat([Buffer.from([MAGIC, DEFLATE]), packed]);
    }
    // One allocation: header and body written into a single buffer.
    const out = Buffer.allocUnsafe(raw.byteLength + 2);
    out[0] = MAGIC;
    out[1] = PLAIN;
    out.set(raw, 2);
    return out;
  }

  /** Throws `DecodeFailure` for anything this codec did not write. */
  decode(stored: Uint8Array): unknown {
    if (stored.byteLength < 2 || stored[0] !== MAGIC) throw new DecodeFailure('not a gocache value (bad header)');
    let body = stored.subarray(2);
    if (stored[1] === DEFLATE) {
      try {
        body = inflateRawSync(body, { maxOutputLength: this.#o.maxValueBytes });
      } catch (e) {
        throw new DecodeFailure(`compressed value is corrupt or over maxValueBytes: ${(e as Error).message}`);
      }
    } else if (stored[1] !== PLAIN) {
      throw new DecodeFailure(`unknown value format ${stored[1]}`);
    }
    try {
      return this.#o.serializer.decode(body);
    } catch (e) {
      throw new DecodeFailure(`${this.#o.serializer.name} could not decode the value: ${(e as Error).message}`);
    }
  }
}
