import { decodePart } from './key-codec.js';
import type { KeyLayout } from './key-layout.js';
import { argv } from './protocol.js';
import type { RedisExecutor, Site } from './redis-executor.js';
import { FLIGHTS_ADD } from './scripts.js';

/** Lease ends this far in the past still count (clock skew between hosts). */
const SKEW_MS = 5_000;

/**
 * The registry of `getOrSet` loads in flight in any process (`P:N:f`, a sorted set of
 * `<encoded key> <token>` scored by the end of the load's lease, by the loading host's clock).
 *
 * A removal that names its keys (`delete`, `deleteMany`) cancels their loads itself: the `DELETE`
 * script drops each key's lock and markers, so the load's store step (fenced by the lock, or
 * conditional on its marker) fails. `deleteByIndex` and `deleteByPattern` cannot name the keys of
 * loads whose entry does not exist yet, so they read this registry and drop the lock and markers of
 * every load in flight they cover (all of them for `deleteByIndex`, as core does in one process;
 * the matching keys for a pattern). `clear` deletes every key of the namespace, registry included.
 *
 * A load registers before its loader starts and unregisters after its store step; a removal that
 * read the registry before a load registered finished its work before that loader started.
 */
export class Flights {
  readonly #exec: RedisExecutor;
  readonly #layout: KeyLayout;
  readonly #key: string;

  constructor(exec: RedisExecutor, layout: KeyLayout) {
    this.#exec = exec;
    this.#layout = layout;
    this.#key = layout.flights();
  }

  /** Register (or extend) a load of `key` with token `token` until `leaseMs` from now. */
  async register(site: Site, key: string, token: string, leaseMs: number): Promise<void> {
    const now = Date.now();
    const args = argv('flightsAdd', {
      score: String(now + leaseMs),
      member: this.#member(key, token),
      stale: String(now - SKEW_MS),
      // The registry outlives every lease in it (all loads of a cache share one lease length).
      ttl: String(leaseMs + 2 * SKEW_MS),
    });
    await this.#exec.eval(site, FLIGHTS_ADD, [this.#key], args);
  }

  async unregister(site: Site, key: string, token: string): Promise<void> {
    await this.#exec.send(site, this.#key, ['ZREM', this.#key, this.#member(key, token)]);
  }

  /** Cancel the loads in flight whose key passes `covers` (every load without it). */
  async cancel(site: Site, covers?: (key: string) => boolean): Promise<void> {
    const exec = this.#exec;
    const now = Date.now();
    const [, members] = (await exec.batch(site, [
      { key: this.#key, args: ['ZREMRANGEBYSCORE', this.#key, '-inf', `(${now - SKEW_MS}`] },
      { key: this.#key, args: ['ZRANGE', this.#key, String(now - SKEW_MS), '+inf', 'BYSCORE'] },
    ])) as [unknown, Buffer[]];
    const keys = new Set<string>();
    for (const m of members) {
      const s = m.toString();
      const key = decodePart(s.slice(0, s.indexOf(' ')));
      if (key !== undefined && (covers === undefined || covers(key))) keys.add(key);
    }
    if (keys.size === 0) return;
    const layout = this.#layout;
    // A key's lock and markers share its slot: one UNLINK each.
    await exec.batch(
      site,
      [...keys].map((k) => {
        const lock = layout.lock(k);
        return { key: lock, args: ['UNLINK', lock, layout.marker(k)] };
      }),
    );
  }

  #member(key: string, token: string): string {
    return `${this.#layout.member(key)} ${token}`;
  }
}
