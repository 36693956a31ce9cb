import { CacheError, type CacheMetrics } from '@gocache/core';
import { DecodeFailure, OutOfDomain, type ValueCodec } from './value-codec.js';

/** `SERIALIZATION` from the executor: a WRONGTYPE reply, i.e. foreign data under the entry key. */
export function isForeign(e: unknown): boolean {
  return CacheError.isInstance(e) && e.code === 'SERIALIZATION';
}

/**
 * The codec as a store uses it: encode failures become `SERIALIZATION`; decode failures record a
 * security event and then become `SERIALIZATION` or, with `onDecodeError: 'miss'`, a miss.
 */
export class StoredValues<T> {
  readonly #cacheName: string;
  readonly #codec: ValueCodec;
  readonly #metrics: CacheMetrics | undefined;
  readonly #onDecodeError: 'throw' | 'miss';

  constructor(
    cacheName: string,
    codec: ValueCodec,
    metrics: CacheMetrics | undefined,
    onDecodeError: 'throw' | 'miss',
  ) {
    this.#cacheName = cacheName;
    this.#codec = codec;
    this.#metrics = metrics;
    this.#onDecodeError = onDecodeError;
  }

  encode(value: T, key: string, op: string): Buffer {
    try {
      return this.#codec.encode(value);
    } catch (e) {
      if (e instanceof OutOfDomain) {
        throw new CacheError(
          'SERIALIZATION',
          `the ${this.#codec.serializerName} serializer cannot store this value exactly: ${e.message}; nothing was written — convert it to data the serializer keeps (see the value domains in the provider-redis README) or choose another serializer`,
          { cacheName: this.#cacheName, op, key },
        );
      }
      throw new CacheError(
        'SERIALIZATION',
        `the ${this.#codec.serializerName} serializer cannot encode this value (${(e as Error).message}); store plain data or configure another serializer`,
        { cacheName: this.#cacheName, op, key, cause: e },
      );
    }
  }

  /**
   * Foreign data (another Redis type) where the entry hash belongs: the same treatment as corrupt
   * bytes — a security event, then `SERIALIZATION`, or a miss under `onDecodeError: 'miss'`.
   */
  foreign(key: string, op: string): undefined {
    const reason = 'a foreign Redis data type (not a gocache entry hash) is stored under the entry key';
    return this.#undecodable(
      key,
      op,
      reason,
      `${reason}; it was written by something else — delete the key, use another prefix, or set providerOptions.onDecodeError: 'miss'`,
    );
  }

  /** Record the security event, then a miss under `onDecodeError: 'miss'`, else `SERIALIZATION`. */
  #undecodable(key: string, op: string, reason: string, message: string): undefined {
    this.#metrics?.recordSecurityEvent('deserialization_failure', 'high', {
      cache: this.#cacheName,
      op,
      key,
      serializer: this.#codec.serializerName,
      reason,
    });
    if (this.#onDecodeError === 'miss') return undefined;
    throw new CacheError('SERIALIZATION', message, { cacheName: this.#cacheName, op, key });
  }

  /** The value; `undefined` only for undecodable bytes under `onDecodeError: 'miss'`. */
  decode(raw: Buffer, key: string, op: string): T | undefined {
    let reason: string;
    try {
      const v = this.#codec.decode(raw);
      if (v !== undefined) return v as T;
      reason = 'the bytes decode to undefined, which gocache never stores';
    } catch (e) {
      if (!(e instanceof DecodeFailure)) throw e;
      reason = e.message;
    }
    return this.#undecodable(
      key,
      op,
      reason,
      `stored bytes cannot be decoded (${reason}); they are corrupt or were written by something else — delete the key, or set providerOptions.onDecodeError: 'miss'`,
    );
  }
}
