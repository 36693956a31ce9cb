/**
 * The store's `getEntry` (core's optional SPI primitive): an entry's value and expiry in one plain
 * `HMGET` of the value and `FIELD.expires`, for layers that keep copies (`@gocache/tiered` fills
 * its L1 with it) — as cheap as `get`, no script.
 */
import type { LiveEntry } from '@gocache/core';
import { FIELD } from './protocol.js';
import type { Outcome, Site } from './redis-executor.js';
import type { StoreHost } from './store-host.js';
import { isForeign, type StoredValues } from './stored-values.js';

/** `getEntry` of one store. */
export class EntryReads<T> {
  readonly #h: StoreHost;
  /**
   * How a reply is read, inside the executor's settlement like `get` (no async layer of its own):
   * `[value, expires]` (`-1`: never), the value `null` when absent; the value decoded as `get`
   * decodes it, corrupt bytes and foreign data (another Redis type under the entry key) per
   * `onDecodeError`. An entry without `FIELD.expires` (written by something other than this
   * provider's scripts) asks Redis for the key's expiry: a second command, only then.
   */
  readonly #outcome: Outcome<LiveEntry<T> | undefined | Promise<LiveEntry<T> | undefined>>;

  constructor(host: StoreHost, values: StoredValues<T>) {
    this.#h = host;
    this.#outcome = {
      ok: (r, site) => {
        const [raw, expires] = r as [Buffer | null, Buffer | string | null];
        if (raw === null) return undefined;
        const value = values.decode(raw, site.key!, site.op);
        if (value === undefined) return undefined;
        // No stored expiry (or not an integer: not written by these scripts): ask Redis.
        const at = storedExpiry(expires);
        if (!Number.isSafeInteger(at)) return this.#withRedisExpiry(site, value);
        return { value, expiresAt: at === -1 ? null : at };
      },
      fail: (err, site) => {
        if (!isForeign(err)) throw err;
        return values.foreign(site.key!, site.op);
      },
    };
  }

  /** The live value of `key` with its expiry, or `undefined`. */
  read(key: string): Promise<LiveEntry<T> | undefined> {
    const e = this.#h.d.layout.entry(key);
    // The outcome may hand back the second read's promise: `send` settles with what it settles to.
    return this.#h.d.exec.send(
      this.#h.site('getEntry', key),
      e,
      ['HMGET', e, FIELD.value, FIELD.expires],
      this.#outcome,
    ) as Promise<LiveEntry<T> | undefined>;
  }

  async #withRedisExpiry(site: Site, value: T): Promise<LiveEntry<T> | undefined> {
    const e = this.#h.d.layout.entry(site.key!);
    const at = Number(await this.#h.d.exec.send(site, e, ['PEXPIRETIME', e]));
    // -2: gone (deleted or expired) since the value was read.
    if (at === -2) return undefined;
    return { value, expiresAt: at === -1 ? null : at };
  }
}

/**
 * `FIELD.expires` as stored (`-1`, epoch ms), read off its bytes without a string in between; NaN
 * for anything else (absent, or not written by these scripts): then the key's own expiry counts.
 * The one place that decides what a stored expiry is, for `getEntry` and `getMetadata`.
 */
export function storedExpiry(reply: Buffer | string | null): number {
  return reply === null ? Number.NaN : integerOf(reply);
}

function integerOf(reply: Buffer | string): number {
  if (typeof reply === 'string') return /^-?\d+$/.test(reply) ? Number(reply) : Number.NaN;
  const neg = reply[0] === 45; // '-'
  if (reply.length === (neg ? 1 : 0)) return Number.NaN;
  let n = 0;
  for (let i = neg ? 1 : 0; i < reply.length; i++) {
    const d = reply[i]! - 48;
    if (d < 0 || d > 9) return Number.NaN;
    n = n * 10 + d;
  }
  return neg ? -n : n;
}
