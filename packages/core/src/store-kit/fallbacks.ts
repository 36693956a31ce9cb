import { CacheError } from '../errors.js';
import type { CompiledGlob } from '../glob.js';
import type { LiveEntry, MaybePromise, Store } from '../spi.js';

/** Store methods core always has: the store's own, or the fallback derived here. */
export type CompleteStore<T> = Store<T> &
  Required<
    Pick<
      Store<T>,
      | 'has'
      | 'getEntry'
      | 'getMany'
      | 'setMany'
      | 'deleteMany'
      | 'setIfNotExists'
      | 'setIfExists'
      | 'touch'
      | 'deleteByPattern'
    >
  >;

/** How many times a derived conditional write re-reads after losing a race before `CONFLICT`. */
const CONDITIONAL_RETRIES = 64;
/** Keys per `deleteMany` of a derived `deleteByPattern`. */
const DELETE_BATCH = 500;

function then<A, B>(v: MaybePromise<A>, f: (a: A) => MaybePromise<B>): MaybePromise<B> {
  return v instanceof Promise ? v.then(f) : f(v);
}

function all<A>(vs: MaybePromise<A>[]): MaybePromise<A[]> {
  for (const v of vs) if (v instanceof Promise) return Promise.all(vs);
  return vs as A[];
}

function both<A, B>(a: MaybePromise<A>, b: MaybePromise<B>): MaybePromise<[A, B]> {
  return a instanceof Promise || b instanceof Promise ? Promise.all([a, b]) : [a, b];
}

function conflict(op: string, key: string): CacheError {
  return new CacheError(
    'CONFLICT',
    `the entry kept changing under concurrent writers; gave up after ${CONDITIONAL_RETRIES} attempts (nothing was written) — retry`,
    { cacheName: '', op, key },
  );
}

/**
 * A conditional write through `getVersioned` + `compareAndSet`, retried while other writers win:
 * `step` answers true/false when decided, `undefined` when its compare-and-set lost (read again).
 * After `CONDITIONAL_RETRIES` losses it throws `CONFLICT` (core adds the cache's context).
 */
export function retried(op: string, key: string, step: () => MaybePromise<boolean | undefined>): MaybePromise<boolean> {
  const loop = (attempt: number): MaybePromise<boolean> =>
    then(step(), (r) => {
      if (r !== undefined) return r;
      if (attempt + 1 >= CONDITIONAL_RETRIES) throw conflict(op, key);
      return loop(attempt + 1);
    });
  return loop(0);
}

/**
 * `store` with every derivable method present: its own where it has one, else the fallback
 * derived from the required primitives. Decided once, when the cache is built; each rule of a
 * derived operation is written here and nowhere else. Methods are bound to `store`.
 */
export function completeStore<T>(store: Store<T>): CompleteStore<T> {
  const get = store.get.bind(store);
  const set = store.set.bind(store);
  const del = store.delete.bind(store);
  const getMetadata = store.getMetadata.bind(store);
  const getVersioned = store.getVersioned.bind(store);
  const cas = store.compareAndSet.bind(store);

  const deleteMany =
    store.deleteMany?.bind(store) ??
    ((keys: readonly string[]) => then(all(keys.map((k) => del(k))), (rs) => rs.reduce((n, r) => (r ? n + 1 : n), 0)));

  const complete: CompleteStore<T> = {
    get,
    set,
    delete: del,
    clear: store.clear.bind(store),
    getVersioned,
    compareAndSet: cas,
    scan: store.scan.bind(store),
    getMetadata,
    close: store.close.bind(store),
    has: store.has?.bind(store) ?? ((key) => then(get(key), (v) => v !== undefined)),
    // Both reads at once (one round trip on a network store); not atomic, so an entry that one of
    // them misses (it came or went in between) is a miss.
    getEntry:
      store.getEntry?.bind(store) ??
      ((key) =>
        then(both(get(key), getMetadata(key)), ([value, meta]): LiveEntry<T> | undefined =>
          value === undefined || meta === undefined ? undefined : { value, expiresAt: meta.expiresAt },
        )),
    getMany: store.getMany?.bind(store) ?? ((keys) => all(keys.map((k) => get(k)))),
    setMany:
      store.setMany?.bind(store) ??
      ((entries, ttlMs) => then(all(entries.map(([k, v]) => set(k, v, ttlMs))), () => undefined)),
    deleteMany,
    setIfNotExists: store.setIfNotExists?.bind(store) ?? ((key, value, ttlMs) => cas(key, null, value, ttlMs)),
    setIfExists:
      store.setIfExists?.bind(store) ??
      ((key, value, ttlMs) =>
        retried('setIfExists', key, () =>
          then(getVersioned(key), (cur) =>
            cur === undefined ? false : then(cas(key, cur.version, value, ttlMs), (ok) => (ok ? true : undefined)),
          ),
        )),
    touch:
      store.touch?.bind(store) ??
      ((key, ttlMs) =>
        retried('touch', key, () =>
          then(getVersioned(key), (cur) =>
            cur === undefined ? false : then(cas(key, cur.version, cur.value, ttlMs), (ok) => (ok ? true : undefined)),
          ),
        )),
    deleteByPattern:
      store.deleteByPattern?.bind(store) ??
      (async (glob: CompiledGlob) => {
        let removed = 0;
        let batch: string[] = [];
        for await (const k of store.scan(glob)) {
          batch.push(k);
          if (batch.length >= DELETE_BATCH) {
            removed += await deleteMany(batch);
            batch = [];
          }
        }
        if (batch.length > 0) removed += await deleteMany(batch);
        return removed;
      }),
  };
  if (store.addIndex !== undefined) {
    const getByIndex = store.getByIndex!.bind(store);
    complete.addIndex = store.addIndex.bind(store);
    complete.removeIndex = store.removeIndex!.bind(store);
    complete.getByIndex = getByIndex;
    const removeByIndex = store.removeByIndex?.bind(store);
    if (removeByIndex !== undefined) complete.removeByIndex = removeByIndex;
    complete.deleteByIndex =
      store.deleteByIndex?.bind(store) ??
      (removeByIndex !== undefined
        ? (indexName, indexKey) => then(removeByIndex(indexName, indexKey), (keys) => keys.length)
        : (indexName, indexKey) => then(getByIndex(indexName, indexKey), (keys) => deleteMany(keys)));
  }
  if (store.indexFootprint !== undefined) complete.indexFootprint = store.indexFootprint.bind(store);
  if (store.deriveIndexes !== undefined) complete.deriveIndexes = store.deriveIndexes.bind(store);
  if (store.loadThrough !== undefined) complete.loadThrough = store.loadThrough.bind(store);
  if (store.size !== undefined) complete.size = store.size.bind(store);
  return complete;
}
