import type { CacheCore } from './cache-core.js';
import type { Call } from './call.js';
import type { CacheOp } from './middleware.js';
import type { OpOptions } from './types.js';

/** The index operations: their argument rules and their steps. */
export class IndexOps<T> {
  readonly #k: CacheCore<T>;

  constructor(core: CacheCore<T>) {
    this.#k = core;
  }

  /** Validate an index call and make its `Call`; throws what the caller must reject with. */
  prepare(
    op: CacheOp,
    indexName: string,
    indexKey: string,
    key: string | undefined,
    opts: OpOptions | undefined,
  ): Call {
    const k = this.#k;
    k.precheck(op, opts?.signal);
    k.checkKey(indexName, op, 'indexName');
    k.checkKey(indexKey, op, 'indexKey');
    if (key !== undefined) k.checkKey(key, op);
    if (k.store.addIndex === undefined) {
      throw k.err(
        'INVALID_ARGUMENT',
        op,
        `provider "${k.c.provider.name}" has no index support; use a provider with indexes or wrap it with @gocache/indexing`,
      );
    }
    const declared = k.c.indexes;
    if (declared !== undefined) {
      const glob = declared.get(indexName);
      if (glob === undefined) {
        throw k.err(
          'INVALID_ARGUMENT',
          op,
          `index "${indexName}" is not declared; declared indexes: ${[...declared.keys()].join(', ')} — add it to the cache's indexes option`,
        );
      }
      if (key !== undefined && (op === 'addIndex' || op === 'removeIndex') && !glob.test(key)) {
        throw k.err(
          'INVALID_ARGUMENT',
          op,
          `key does not match index "${indexName}"'s declared pattern "${glob.source}"; only matching keys can join it`,
          key,
        );
      }
    }
    const c = k.call(op, opts);
    c.key = key;
    c.indexName = indexName;
    c.indexKey = indexKey;
    return c;
  }

  add = async (c: Call): Promise<void> => {
    const k = this.#k;
    const ok = await k.via('addIndex', c.key, () => k.full.addIndex!(c.indexName!, c.key!, c.indexKey!));
    if (!ok)
      throw k.err('NOT_FOUND', 'addIndex', 'the entry does not exist (or expired); set it before indexing it', c.key);
  };

  remove = (c: Call): Promise<void> => {
    const k = this.#k;
    return k.via('removeIndex', c.key, () => k.full.removeIndex!(c.indexName!, c.key!, c.indexKey!));
  };

  get = (c: Call): Promise<string[]> => {
    const k = this.#k;
    return k.via('getByIndex', undefined, () => k.full.getByIndex!(c.indexName!, c.indexKey!));
  };

  delete = (c: Call): Promise<number> => {
    const k = this.#k;
    // Which keys the set holds is the store's business; no in-flight load may land after this.
    k.flights.invalidateWhere();
    return k.via('deleteByIndex', undefined, () => k.full.deleteByIndex!(c.indexName!, c.indexKey!));
  };
}
