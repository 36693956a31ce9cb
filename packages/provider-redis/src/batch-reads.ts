/**
 * The store's batch read (`getMany`): one script call per `BATCH_CHUNK` keys on a single server,
 * one pipelined `HGET` per key on a cluster, foreign data told apart key by key.
 */
import { FIELD } from './protocol.js';
import { BATCH_CHUNK } from './redis-executor.js';
import { MGET } from './scripts.js';
import type { StoreHost } from './store-host.js';
import { isForeign, type StoredValues } from './stored-values.js';

/** Batch reads of one store. */
export class BatchReads<T> {
  readonly #h: StoreHost;
  readonly #values: StoredValues<T>;

  constructor(host: StoreHost, values: StoredValues<T>) {
    this.#h = host;
    this.#values = values;
  }

  /** The values of `keys`, in order; `undefined` for a miss. */
  async getMany(keys: readonly string[]): Promise<(T | undefined)[]> {
    const { exec, layout } = this.#h.d;
    if (keys.length === 0) return [];
    const site = this.#h.site('getMany');
    if (!exec.isCluster) {
      // Single server: one script call per BATCH_CHUNK keys (one command, one reply array).
      const calls: { keys: string[]; args: string[] }[] = [];
      for (let i = 0; i < keys.length; i += BATCH_CHUNK) {
        calls.push({ keys: keys.slice(i, i + BATCH_CHUNK).map((k) => layout.entry(k)), args: [] });
      }
      const parts = (
        calls.length === 1 ? [await exec.eval(site, MGET, calls[0]!.keys, [])] : await exec.batchEval(site, MGET, calls)
      ) as unknown[][];
      const raws = parts.length === 1 ? parts[0]! : parts.flat();
      return raws.map((r, i) => this.#fromRaw(r, keys[i]!, 'getMany'));
    }
    // Cluster: keys span slots, so one HGET per key, pipelined per node.
    const cmds = keys.map((k) => {
      const e = layout.entry(k);
      return { key: e, args: ['HGET', e, FIELD.value] };
    });
    let raws: unknown[];
    try {
      raws = await exec.batch(site, cmds);
    } catch (err) {
      if (!isForeign(err)) throw err;
      // Foreign data under some key: read each key on its own to tell which (a rare, slow path).
      return Promise.all(keys.map((k) => this.#getOne(k, 'getMany')));
    }
    return raws.map((r, i) => this.#fromRaw(r, keys[i]!, 'getMany'));
  }

  /** A value as `MGET`/`HGET` returned it: `null` absent, `0` foreign data (MGET), else bytes. */
  #fromRaw(r: unknown, key: string, op: string): T | undefined {
    if (r === null) return undefined;
    if (r === 0) return this.#values.foreign(key, op);
    return this.#values.decode(r as Buffer, key, op);
  }

  async #getOne(key: string, op: string): Promise<T | undefined> {
    const e = this.#h.d.layout.entry(key);
    try {
      return this.#fromRaw(await this.#h.d.exec.send(this.#h.site(op, key), e, ['HGET', e, FIELD.value]), key, op);
    } catch (err) {
      if (!isForeign(err)) throw err;
      return this.#values.foreign(key, op);
    }
  }
}
