/**
 * The store's `getEntry` (core's optional SPI primitive): an entry's value and expiry in one script
 * call (`get_entry.lua`), for layers that keep copies (`@gocache/tiered` fills its L1 with it).
 */
import type { LiveEntry } from '@gocache/core';
import type { Outcome } from './redis-executor.js';
import { GET_ENTRY } from './scripts.js';
import type { StoreHost } from './store-host.js';
import type { StoredValues } from './stored-values.js';

/** `getEntry` of one store. */
export class EntryReads<T> {
  readonly #h: StoreHost;
  /**
   * How a reply is read, inside the executor's settlement like `get` (no async layer of its own):
   * `{value, expires}` (-1: never), `null` absent, `0` foreign data (another Redis type under the
   * entry key); the value decoded as `get` decodes it, corrupt bytes and foreign data per `onDecodeError`.
   */
  readonly #outcome: Outcome<LiveEntry<T> | undefined>;

  constructor(host: StoreHost, values: StoredValues<T>) {
    this.#h = host;
    this.#outcome = {
      ok: (r, site) => {
        if (r === null || r === undefined) return undefined;
        if (r === 0) return values.foreign(site.key!, site.op);
        const [raw, expires] = r as [Buffer, unknown];
        const value = values.decode(raw, site.key!, site.op);
        if (value === undefined) return undefined;
        const at = Number(expires);
        return { value, expiresAt: at === -1 ? null : at };
      },
    };
  }

  /** The live value of `key` with its expiry, or `undefined`. */
  read(key: string): Promise<LiveEntry<T> | undefined> {
    const { exec, layout } = this.#h.d;
    return exec.eval(this.#h.site('getEntry', key), GET_ENTRY, [layout.entry(key)], [], this.#outcome);
  }
}
