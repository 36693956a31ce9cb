import type { KeyLayout } from './key-layout.js';
import { argv, FIELD } from './protocol.js';
import type { RedisExecutor, Site } from './redis-executor.js';
import { INDEX_ADD, INDEX_READ, REF_ADD, REF_REMOVE } from './scripts.js';

/**
 * Explicit index operations. On a single server each is one script over the entry and the index
 * set (atomic). On a cluster the set lives in another slot: the entry's script runs first, the set
 * is updated after it, and reads repair what a crash in between leaves behind.
 */
export class IndexOps {
  readonly #exec: RedisExecutor;
  readonly #layout: KeyLayout;
  readonly #inline: string;

  constructor(exec: RedisExecutor, layout: KeyLayout) {
    this.#exec = exec;
    this.#layout = layout;
    this.#inline = exec.isCluster ? '0' : '1';
  }

  /** False when the entry does not exist. */
  async add(site: Site, indexName: string, key: string, indexKey: string): Promise<boolean> {
    const idx = this.#layout.index(indexName, indexKey);
    const member = this.#layout.member(key);
    const args = argv('refAdd', { index: idx, inline: this.#inline });
    const score = await this.#exec.eval(site, REF_ADD, [this.#layout.entry(key)], args);
    if (score === null) return false;
    if (this.#exec.isCluster)
      await this.#exec.eval(site, INDEX_ADD, [idx], argv('indexAdd', { score: String(score), member }));
    return true;
  }

  async remove(site: Site, indexName: string, key: string, indexKey: string): Promise<void> {
    const idx = this.#layout.index(indexName, indexKey);
    const member = this.#layout.member(key);
    await this.#exec.eval(
      site,
      REF_REMOVE,
      [this.#layout.entry(key)],
      argv('refRemove', { index: idx, inline: this.#inline }),
    );
    if (this.#exec.isCluster) await this.#exec.send(site, idx, ['ZREM', idx, member]);
  }

  /** Encoded keys of the set whose entries are alive and still reference it; repairs the rest. */
  async liveMembers(site: Site, indexName: string, indexKey: string): Promise<string[]> {
    const exec = this.#exec;
    const layout = this.#layout;
    const idx = layout.index(indexName, indexKey);
    const members = (
      (await exec.eval(
        site,
        INDEX_READ,
        [idx],
        argv('indexRead', { entryPrefix: layout.entryPrefix, inline: this.#inline }),
      )) as Buffer[]
    ).map(String);
    if (!exec.isCluster || members.length === 0) return members;
    const alive = await exec.batch(
      site,
      members.map((m) => {
        const e = layout.entryOfMember(m);
        return { key: e, args: ['HEXISTS', e, `${FIELD.refPrefix}${idx}`] };
      }),
    );
    const dead = members.filter((_, i) => alive[i] !== 1);
    if (dead.length > 0) await exec.send(site, idx, ['ZREM', idx, ...dead]);
    return members.filter((_, i) => alive[i] === 1);
  }

  /** Cluster: move the index scores of written or touched entries to the score their script returned. */
  async rescore(site: Site, results: readonly (readonly [string, unknown[]])[]): Promise<void> {
    const calls = results.flatMap(([key, r]) => {
      if (r.length <= 2) return [];
      const x = String(r[1]);
      const score = x === '-1' ? '+inf' : x;
      return r
        .slice(2)
        .map((ref) => ({ keys: [String(ref)], args: argv('indexAdd', { score, member: this.#layout.member(key) }) }));
    });
    if (calls.length > 0) await this.#exec.batchEval(site, INDEX_ADD, calls);
  }
}
