/**
 * Hint upkeep of the portable index layer: the hint records (`i:…`, see `portable-records.ts`)
 * that name the keys which may be in an index set. Queries read a hint and keep the keys whose
 * envelope confirms the membership, pruning the rest; writes name a key in a hint before its
 * envelope does and take it out after; a hint the inner store evicted is rebuilt from the entries.
 */
import { compileGlob } from '@gocache/core';
import { CAS_ATTEMPTS, type PortableInner } from './portable-inner.js';
import { type Hint, hasMembership, hintKey, isEnvelope, isHint, userKey, valueKey } from './portable-records.js';

/** Every hint record's inner key (see `hintKey`). */
const HINTS = compileGlob('i:*');
/** A hint outlives its members' expiry by this much (hint expiries are taken after the entry's write). */
const HINT_SLACK_MS = 1_000;
/** An emptied hint is written with this TTL instead of deleted: the store has no compare-and-delete. */
const EMPTY_HINT_TTL_MS = 1_000;
/** Hints are pruned when they hold more than twice their last live count plus this. */
const PRUNE_FLOOR = 16;

/** The hints of one portable store. */
export class PortableHints {
  readonly #io: PortableInner;
  /** Hints the inner store evicted, with a counter per loss: rebuilt from the entries on next read. */
  readonly #lost = new Map<string, number>();

  constructor(io: PortableInner) {
    this.#io = io;
  }

  /** The live members of an index set: the hint's keys whose envelope confirms it (pruning the rest). */
  async members(indexName: string, indexKey: string): Promise<string[]> {
    const hk = hintKey(indexName, indexKey);
    if (this.#lost.has(hk)) await this.#recover(hk, indexName, indexKey);
    const cur = await this.#io.store.getVersioned(hk);
    if (cur === undefined || !isHint(cur.value)) return [];
    const hint = cur.value;
    const live = await this.#confirmed(hint.m, indexName, indexKey);
    if (live.length < hint.m.length) {
      // Best effort: a lost race only means the next reader prunes.
      try {
        const next: Hint = { ...hint, m: live, live: live.length };
        await this.#io.store.compareAndSet(hk, cur.version, next, this.#ttl(next));
      } catch {}
    }
    return live;
  }

  /** The memberships the hint records hold, dead or alive. */
  async footprint(): Promise<number> {
    let n = 0;
    for await (const k of this.#io.store.scan(HINTS)) {
      const hint = await this.#io.store.get(k);
      if (isHint(hint)) n += hint.m.length;
    }
    return n;
  }

  /**
   * The inner store evicted the record under `innerKey`. An evicted entry takes its memberships
   * along (they are in its record); an evicted hint would hide live members, so it is marked lost
   * and rebuilt from the entries themselves before the next query of that set answers.
   */
  noteEvicted(innerKey: string): void {
    if (userKey(innerKey) !== undefined) return;
    this.#lost.set(innerKey, (this.#lost.get(innerKey) ?? 0) + 1);
  }

  /** Rebuild a lost hint by scanning every entry (rare: only after the inner store evicted it). */
  async #recover(hk: string, indexName: string, indexKey: string): Promise<void> {
    const losses = this.#lost.get(hk);
    const found: string[] = [];
    let batch: string[] = [];
    const flush = async () => {
      found.push(...(await this.#confirmed(batch, indexName, indexKey)));
      batch = [];
    };
    for await (const k of this.#io.scan(compileGlob('*'))) {
      batch.push(k);
      if (batch.length >= 500) await flush();
    }
    if (batch.length > 0) await flush();
    for (let i = 0; i < CAS_ATTEMPTS; i++) {
      const cur = await this.#io.store.getVersioned(hk);
      const old = cur !== undefined && isHint(cur.value) ? cur.value : undefined;
      const m = [...new Set([...(old?.m ?? []), ...found])];
      // Member expiries are unknown here: the hint lives until pruned empty.
      const next: Hint = { m, live: m.length, exp: null };
      if (await this.#io.store.compareAndSet(hk, cur?.version ?? null, next, this.#ttl(next))) {
        if (this.#lost.get(hk) === losses) this.#lost.delete(hk);
        return;
      }
    }
    throw this.#io.conflict('getByIndex', hk);
  }

  /** The keys of `candidates` whose live envelope lists the membership. */
  async #confirmed(candidates: readonly string[], indexName: string, indexKey: string): Promise<string[]> {
    if (candidates.length === 0) return [];
    const envs = await this.#io.store.getMany(candidates.map(valueKey));
    const out: string[] = [];
    for (let i = 0; i < candidates.length; i++) {
      const e = envs[i];
      if (isEnvelope(e) && hasMembership(e, indexName, indexKey)) out.push(candidates[i]!);
    }
    return out;
  }

  #ttl(h: Hint): number {
    if (h.m.length === 0) return EMPTY_HINT_TTL_MS;
    if (h.exp === null) return Number.POSITIVE_INFINITY;
    return Math.max(h.exp - this.#io.now(), 0) + HINT_SLACK_MS;
  }

  /** `touch` for every membership of `ix` (flat `[indexName, indexKey, …]`). */
  async touchAll(
    ix: readonly string[],
    key: string,
    expiresAt: number | null,
    op: string,
    force = true,
  ): Promise<void> {
    const work: Promise<void>[] = [];
    for (let i = 0; i + 1 < ix.length; i += 2) {
      work.push(this.touch(ix[i]!, ix[i + 1]!, key, expiresAt, op, force));
    }
    await Promise.all(work);
  }

  /**
   * Make the hint name `key` and live at least until `expiresAt`. With `force` it always writes
   * (bumping the hint's version), so a prune that read the hint earlier cannot land over this;
   * without, a hint that already names `key` long enough is left alone.
   */
  async touch(indexName: string, indexKey: string, key: string, expiresAt: number | null, op: string, force = true) {
    const hk = hintKey(indexName, indexKey);
    for (let i = 0; i < CAS_ATTEMPTS; i++) {
      const cur = await this.#io.store.getVersioned(hk);
      const old = cur !== undefined && isHint(cur.value) ? cur.value : undefined;
      if (
        !force &&
        old !== undefined &&
        old.m.includes(key) &&
        (old.exp === null || (expiresAt !== null && old.exp >= expiresAt))
      ) {
        return;
      }
      let m = old?.m ?? [];
      let live = old?.live ?? 0;
      if (m.length > 2 * live + PRUNE_FLOOR) {
        m = await this.#confirmed(m, indexName, indexKey);
        live = m.length;
      }
      if (!m.includes(key)) m = [...m, key];
      const exp =
        old === undefined ? expiresAt : old.exp === null || expiresAt === null ? null : Math.max(old.exp, expiresAt);
      const next: Hint = { m, live: Math.max(live, 1), exp };
      if (await this.#io.store.compareAndSet(hk, cur?.version ?? null, next, this.#ttl(next))) return;
    }
    throw this.#io.conflict(op, key);
  }

  /** Take `key` out of the hints of `ix` (storage hygiene; queries never depend on it). */
  async dropAll(ix: readonly string[], key: string): Promise<void> {
    const work: Promise<void>[] = [];
    for (let i = 0; i + 1 < ix.length; i += 2) work.push(this.#drop(ix[i]!, ix[i + 1]!, key));
    await Promise.all(work);
  }

  async #drop(indexName: string, indexKey: string, key: string): Promise<void> {
    const hk = hintKey(indexName, indexKey);
    for (let i = 0; i < 4; i++) {
      const cur = await this.#io.store.getVersioned(hk);
      if (cur === undefined || !isHint(cur.value) || !cur.value.m.includes(key)) return;
      // Read after the hint's version: a re-created entry that joined meanwhile keeps its place.
      if ((await this.#confirmed([key], indexName, indexKey)).length > 0) return;
      const m = cur.value.m.filter((k) => k !== key);
      const next: Hint = { m, live: Math.min(cur.value.live, m.length), exp: cur.value.exp };
      if (await this.#io.store.compareAndSet(hk, cur.version, next, this.#ttl(next))) return;
    }
  }
}
