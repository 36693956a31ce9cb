/**
 * The store's removals: `delete`, `deleteMany`, `clear`, `deleteByIndex`, `deleteByPattern`. Every
 * removal takes the entries' index memberships, load locks and markers along, reports leave events
 * to core's listener, and the removals that cannot name every key (by index, by pattern) cancel the
 * loads in flight they cover (see `Flights`).
 */
import type { CompiledGlob } from '@gocache/core';
import type { BusMessage } from './bus-wire.js';
import type { Flights } from './flights.js';
import type { IndexOps } from './index-ops.js';
import { decodePart } from './key-codec.js';
import { argv } from './protocol.js';
import { BATCH_CHUNK } from './redis-executor.js';
import { scanWalk } from './scan-walk.js';
import { DELETE } from './scripts.js';
import type { StoreHost } from './store-host.js';

/** What removals use of the rest of the store. */
export interface RemovalDeps {
  readonly indexes: IndexOps;
  readonly flights: Flights;
  /** The store's keys matching a pattern (`RedisStore.scan`). */
  readonly scan: (glob: CompiledGlob) => AsyncIterable<string>;
  /** Versions of undecodable entries read as misses: `clear` forgets them all. */
  readonly corrupt: Map<string, string>;
}

/** Removals from one store. */
export class Removals {
  readonly #h: StoreHost;
  readonly #r: RemovalDeps;

  constructor(host: StoreHost, deps: RemovalDeps) {
    this.#h = host;
    this.#r = deps;
  }

  /** `publish`: a bus message the DELETE script sends with the removal (`RedisBus.viaStep`). */
  async delete(key: string, publish?: BusMessage): Promise<boolean> {
    const [n] = await this.#counts([key], 'delete', publish);
    return n === 1;
  }

  async deleteMany(keys: readonly string[]): Promise<number> {
    const counts = await this.#counts(keys, 'deleteMany');
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Delete entries (and their index memberships); 1 or 0 per key. */
  async #counts(keys: readonly string[], op: string, publish?: BusMessage): Promise<number[]> {
    const { layout, exec, name, onLeave } = this.#h.d;
    // The key's load lock and markers go with it: a load in flight in any process cannot store it again.
    const args = argv('delete', { inline: this.#h.inline, ...publish });
    const calls = keys.map((k) => ({ keys: [layout.entry(k), layout.lock(k), layout.marker(k)], args }));
    const results = (await exec.batchEval(this.#h.site(op), DELETE, calls)) as unknown[][];
    // Cluster: the index sets live in other slots, so memberships are dropped after the entry.
    const zrems = results.flatMap((r, i) =>
      r.slice(1).map((ref) => {
        const idx = String(ref);
        return { key: idx, args: ['ZREM', idx, layout.member(keys[i]!)] };
      }),
    );
    await exec.batch(this.#h.site(op), zrems);
    const counts = results.map((r) => Number(r[0]));
    if (onLeave !== undefined) {
      counts.forEach((n, i) => {
        if (n === 1) onLeave({ cacheName: name, key: keys[i]!, reason: 'deleted' });
      });
    }
    return counts;
  }

  async clear(): Promise<void> {
    const { exec, layout, name, scanCount, onLeave } = this.#h.d;
    const site = this.#h.site('clear');
    // Leave events go out after the clear is complete, so a listener's re-write stays.
    const cleared: string[] = [];
    for await (const { keys, node } of scanWalk(exec, site, layout.namespaceMatch(), scanCount)) {
      if (onLeave !== undefined) {
        for (const k of keys) {
          const key = layout.keyOfEntry(k);
          if (key !== undefined) cleared.push(key);
        }
      }
      // UNLINK frees memory in the background; one command per batch on a single server, one per
      // key on a cluster (keys of a batch span slots).
      if (exec.isCluster) {
        await exec.batch(
          site,
          keys.map((k) => ({ key: k, args: ['UNLINK', k] })),
        );
      } else await node(['UNLINK', ...keys]);
    }
    this.#r.corrupt.clear();
    if (onLeave !== undefined) {
      // SCAN may return a key twice: each leaves once.
      for (const key of new Set(cleared)) onLeave({ cacheName: name, key, reason: 'cleared' });
    }
  }

  async deleteByIndex(indexName: string, indexKey: string): Promise<number> {
    return (await this.removeByIndex(indexName, indexKey)).length;
  }

  /** The live members of the set, each deleted with its memberships, lock and markers; the keys removed. */
  async removeByIndex(indexName: string, indexKey: string): Promise<string[]> {
    const site = this.#h.site('deleteByIndex');
    const members = await this.#r.indexes.liveMembers(site, indexName, indexKey);
    const keys = members.flatMap((m) => decodePart(m) ?? []);
    const counts = keys.length === 0 ? [] : await this.#counts(keys, 'deleteByIndex');
    // Loads in flight in any process are cancelled, as core cancels its own (their keys may not
    // be in the set yet): none of them stores its result.
    await this.#r.flights.cancel(site);
    return keys.filter((_, i) => counts[i] === 1);
  }

  /** The matching entries, each with its load lock and markers, and the matching loads in flight. */
  async deleteByPattern(glob: CompiledGlob): Promise<number> {
    const site = this.#h.site('deleteByPattern');
    let n = 0;
    let batch: string[] = [];
    const flush = async () => {
      const counts = await this.#counts(batch, 'deleteByPattern');
      for (const c of counts) n += c;
      batch = [];
    };
    for await (const key of this.#r.scan(glob)) {
      batch.push(key);
      if (batch.length >= BATCH_CHUNK) await flush();
    }
    if (batch.length > 0) await flush();
    await this.#r.flights.cancel(site, (k) => glob.test(k));
    return n;
  }
}
