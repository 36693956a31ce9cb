import { DERIVE_INDEXES } from './derived-indexes.js';
import { type DurationSite, parseDuration } from './duration.js';
import { CacheError, isCacheError, withContext } from './errors.js';
import { type CompiledGlob, compileGlob } from './glob.js';
import type { CacheMetrics, MetricLabels } from './metrics.js';
import type { CacheOp, MiddlewareFn, OperationContext } from './middleware.js';
import { compose } from './pipeline.js';
import { type Flight, SingleFlight } from './single-flight.js';
import type { CacheProvider, DerivedIndexes, Store } from './spi.js';
import { type CompleteStore, completeStore } from './store-kit/fallbacks.js';
import type { Cache, CacheEntryMetadata, Duration, LoaderContext, OpOptions, SetOptions } from './types.js';
import { checkValue, describe, type KeyRules } from './validate.js';

/** Everything `createCache` resolved from the options; the cache only reads it. */
export interface ResolvedCacheConfig {
  name: string;
  provider: CacheProvider;
  store: Store<unknown>;
  keys: KeyRules;
  defaultTtlMs: number;
  loaderTimeoutMs: number | undefined;
  updaterTimeoutMs: number | undefined;
  updateRetries: number;
  maxPatternLength: number;
  clone: boolean;
  errorsAsMisses: boolean;
  indexes: Map<string, CompiledGlob> | undefined;
  chain: MiddlewareFn[];
  metrics: CacheMetrics | undefined;
  onClose: (() => Promise<void>) | undefined;
}

type Updater<T> = (old: T | undefined, exists: boolean) => T | Promise<T>;
type Loader<T> = (ctx: LoaderContext) => T | Promise<T>;

/** The private parameters of a call, carried next to the public context. */
interface Call extends OperationContext {
  ttlMs: number;
  timeoutMs: number | undefined;
  loader?: Loader<unknown>;
  updater?: Updater<unknown>;
  glob?: CompiledGlob;
  /** getOrSet's fast path already read a miss for this call. */
  missSeen?: boolean;
  /** The key as the caller gave it, before any middleware rewrote `key` (the loader gets this one). */
  userKey?: string;
}

const NO_ATTRS: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;
const READ_FAILURE = new Set(['UNAVAILABLE', 'PROVIDER', 'TIMEOUT']);

/** The `Cache<T>` core builds over any provider's store. */
export class CacheImpl<T> implements Cache<T> {
  readonly name: string;
  readonly #c: ResolvedCacheConfig;
  readonly #store: Store<T>;
  /** The store with every derivable method present (its own, or core's fallback). */
  readonly #full: CompleteStore<T>;
  readonly #flights = new SingleFlight<T>();
  /** Keys with an update running in this process, and who waits for each (first in, first out). */
  readonly #serial = new Map<string, (() => void)[]>();
  readonly #run:
    | ((ctx: OperationContext, terminal: (ctx: OperationContext) => unknown) => Promise<unknown>)
    | undefined;
  readonly #labels: MetricLabels;
  readonly #durations = new Map<string, number>();
  // Hot-path copies of the config, read on every get/set without following #c.
  readonly #keyFastLen: number;
  readonly #leanGet: boolean;
  readonly #lean: boolean;
  readonly #clone: boolean;
  readonly #metrics: CacheMetrics | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(config: ResolvedCacheConfig) {
    this.name = config.name;
    this.#c = config;
    this.#store = config.store as Store<T>;
    this.#full = completeStore(this.#store);
    this.#labels = { cache: config.name };
    this.#run = config.chain.length > 0 ? compose(config.chain) : undefined;
    this.#keyFastLen = config.keys.fastLength;
    this.#lean = this.#run === undefined;
    this.#leanGet = this.#lean && !config.errorsAsMisses;
    this.#clone = config.clone;
    this.#metrics = config.metrics;
  }

  // ---- plumbing -------------------------------------------------------------------------------

  #err(code: ConstructorParameters<typeof CacheError>[0], op: string, message: string, key?: string, cause?: unknown) {
    return new CacheError(code, message, { cacheName: this.name, op, key, cause });
  }

  #precheck(op: string, signal: AbortSignal | undefined): void {
    if (this.#closed) throw this.#closedError(op);
    if (signal?.aborted)
      throw this.#err('ABORTED', op, 'the signal was already aborted; nothing was done', undefined, signal.reason);
  }

  #closedError(op: string) {
    return this.#err('CLOSED', op, 'the cache is closed; create a new cache to continue');
  }

  #wrap(e: unknown, op: string, key?: string): CacheError {
    if (isCacheError(e)) return withContext(e, this.name, op, key);
    const msg = e instanceof Error ? e.message : String(e);
    return this.#err('PROVIDER', op, `provider "${this.#c.provider.name}" failed: ${msg}`, key, e);
  }

  #ttl(arg: Duration | SetOptions | undefined, op: string): Call['ttlMs'] {
    let d: Duration | undefined;
    if (arg === undefined) return this.#c.defaultTtlMs;
    if (typeof arg === 'object' && arg !== null) {
      d = arg.ttl;
      if (d === undefined) return this.#c.defaultTtlMs;
    } else d = arg;
    return this.#duration(d, { cacheName: this.name, op, what: 'ttl' });
  }

  #duration(d: Duration, site: DurationSite): number {
    if (typeof d === 'number') return parseDuration(d, site);
    const hit = this.#durations.get(d);
    if (hit !== undefined) return hit;
    const ms = parseDuration(d, site);
    if (this.#durations.size < 256) this.#durations.set(d, ms);
    return ms;
  }

  #in(v: T): T {
    return this.#clone ? structuredClone(v) : v;
  }

  #out<V extends T | undefined>(v: V): V {
    return this.#clone && v !== undefined ? structuredClone(v) : v;
  }

  #call(op: CacheOp, opts: OpOptions | undefined, fields: Partial<Call>): Call {
    return {
      op,
      cacheName: this.name,
      signal: opts?.signal,
      attributes: opts?.attributes === undefined ? (this.#run ? {} : NO_ATTRS) : { ...opts.attributes },
      metrics: this.#c.metrics,
      ttlMs: this.#c.defaultTtlMs,
      timeoutMs: undefined,
      ...fields,
    };
  }

  /** Run one operation through metrics, middleware and hooks to its terminal. */
  async #exec<R>(call: Call, terminal: (call: Call) => R | Promise<R>): Promise<R> {
    const metrics = this.#c.metrics;
    const t0 = metrics === undefined ? 0 : performance.now();
    try {
      const r = (
        this.#run === undefined
          ? await this.#guard(call, terminal)
          : await this.#run(call, (c) => this.#guard(c as Call, terminal))
      ) as R;
      metrics?.recordOperation(call.op, 'ok', performance.now() - t0, this.#labels);
      return r;
    } catch (e) {
      metrics?.recordOperation(call.op, 'error', performance.now() - t0, this.#labels);
      if (isCacheError(e)) throw e;
      // Anything else escaped a user middleware: fail closed.
      throw this.#err('ACCESS_DENIED', call.op, 'a middleware threw; the operation was refused', call.key, e);
    }
  }

  /** The terminal, with any non-`CacheError` it throws reported as the core bug it is (not as a middleware's refusal). */
  async #guard<R>(call: Call, terminal: (call: Call) => R | Promise<R>): Promise<R> {
    try {
      return await terminal(call);
    } catch (e) {
      if (isCacheError(e)) throw e;
      throw this.#err(
        'PROVIDER',
        call.op,
        'an internal error in @gocache/core (a bug: please report it with the cause)',
        call.key,
        e,
      );
    }
  }

  async #store_<R>(op: string, key: string | undefined, fn: () => R | Promise<R>): Promise<R> {
    try {
      const r = fn();
      return r instanceof Promise ? await r : r;
    } catch (e) {
      throw this.#wrap(e, op, key);
    }
  }

  /** Record a fast-path operation (when metrics are attached) and pass its result through. */
  #measured<R>(op: CacheOp, t0: number, result: R, read: boolean): R {
    const m = this.#metrics;
    if (m !== undefined) {
      m.recordOperation(op, 'ok', performance.now() - t0, this.#labels);
      if (read) this.#hit(result !== undefined);
    }
    return result;
  }

  #measuredError(op: CacheOp, t0: number, e: unknown, key: string): CacheError {
    this.#c.metrics?.recordOperation(op, 'error', performance.now() - t0, this.#labels);
    return this.#wrap(e, op, key);
  }

  /** getOrSet after its fast path read a miss: the miss counts, the load is measured as the operation. */
  #missThenLoad(call: Call): Promise<T> {
    this.#hit(false);
    return this.#exec(call, this.#getOrSetT);
  }

  #hit(found: boolean): void {
    const m = this.#c.metrics;
    if (m === undefined) return;
    if (found) m.recordHit(this.#labels);
    else m.recordMiss(this.#labels);
  }

  // ---- reads ----------------------------------------------------------------------------------

  get(key: string, opts?: OpOptions): Promise<T | undefined> {
    // The common case, a short well-formed key on an open cache with no signal, costs three compares.
    if (
      typeof key !== 'string' ||
      key.length === 0 ||
      key.length > this.#keyFastLen ||
      !key.isWellFormed() ||
      this.#closed ||
      opts !== undefined
    ) {
      try {
        this.#c.keys.check(key, 'get');
        this.#precheck('get', opts?.signal);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    if (this.#leanGet) {
      // The hot path: no middleware or hooks, and a synchronous store answers without an extra tick.
      const m = this.#metrics;
      const t0 = m === undefined ? 0 : performance.now();
      try {
        const v = this.#store.get(key);
        if (v instanceof Promise) {
          return v.then(
            (x) => this.#measured('get', t0, this.#out(x), true),
            (e) => Promise.reject(this.#measuredError('get', t0, e, key)),
          );
        }
        return Promise.resolve(m === undefined ? this.#out(v) : this.#measured('get', t0, this.#out(v), true));
      } catch (e) {
        return Promise.reject(this.#measuredError('get', t0, e, key));
      }
    }
    return this.#exec(this.#call('get', opts, { key }), this.#getT);
  }

  #getT = async (c: Call): Promise<T | undefined> => {
    const key = c.key!;
    let v: T | undefined;
    try {
      v = await this.#store_('get', key, () => this.#store.get(key));
    } catch (e) {
      if (!this.#missOnError(e)) throw e;
      v = undefined;
    }
    this.#hit(v !== undefined);
    return this.#out(v);
  };

  #missOnError(e: unknown): boolean {
    return this.#c.errorsAsMisses && isCacheError(e) && READ_FAILURE.has(e.code);
  }

  has(key: string, opts?: OpOptions): Promise<boolean> {
    return this.#single('has', key, opts, async (c) => {
      try {
        return await this.#store_('has', c.key, () => this.#full.has(c.key!));
      } catch (e) {
        if (this.#missOnError(e)) return false;
        throw e;
      }
    });
  }

  getMany(keys: readonly string[], opts?: OpOptions): Promise<Map<string, T>> {
    try {
      this.#c.keys.checkAll(keys, 'getMany');
      this.#precheck('getMany', opts?.signal);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#exec(this.#call('getMany', opts, { keys: [...keys] }), async (c) => {
      const ks = c.keys!;
      const out = new Map<string, T>();
      if (ks.length === 0) return out;
      let vals: (T | undefined)[];
      try {
        vals = await this.#store_('getMany', undefined, () => this.#full.getMany(ks));
      } catch (e) {
        if (!this.#missOnError(e)) throw e;
        vals = [];
      }
      for (let i = 0; i < ks.length; i++) {
        const v = vals[i];
        this.#hit(v !== undefined);
        if (v !== undefined) out.set(ks[i]!, this.#out(v));
      }
      return out;
    });
  }

  getMetadata(key: string, opts?: OpOptions): Promise<CacheEntryMetadata | undefined> {
    return this.#single('getMetadata', key, opts, async (c) => {
      try {
        return await this.#store_('getMetadata', c.key, () => this.#store.getMetadata(c.key!));
      } catch (e) {
        if (this.#missOnError(e)) return undefined;
        throw e;
      }
    });
  }

  #single<R>(op: CacheOp, key: string, opts: OpOptions | undefined, terminal: (c: Call) => Promise<R>): Promise<R> {
    try {
      this.#c.keys.check(key, op);
      this.#precheck(op, opts?.signal);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#exec(this.#call(op, opts, { key }), terminal);
  }

  // ---- writes ---------------------------------------------------------------------------------

  set(key: string, value: T, ttl?: Duration | SetOptions): Promise<void> {
    let ttlMs: number;
    const opts = typeof ttl === 'object' && ttl !== null ? ttl : undefined;
    try {
      this.#c.keys.check(key, 'set');
      checkValue(value, this.name, 'set', key);
      ttlMs = ttl === undefined ? this.#c.defaultTtlMs : this.#ttl(ttl, 'set');
      if (this.#closed || opts !== undefined) this.#precheck('set', opts?.signal);
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.#lean) {
      const t0 = this.#metrics === undefined ? 0 : performance.now();
      try {
        if (this.#flights.size > 0) this.#flights.invalidate(key);
        const r = this.#store.set(key, this.#in(value), ttlMs);
        if (r instanceof Promise) {
          return r.then(
            () => this.#measured('set', t0, undefined, false),
            (e) => Promise.reject(this.#measuredError('set', t0, e, key)),
          );
        }
        return Promise.resolve(this.#measured('set', t0, undefined, false));
      } catch (e) {
        return Promise.reject(this.#measuredError('set', t0, e, key));
      }
    }
    return this.#exec(this.#call('set', opts, { key, value, ttlMs }), this.#setT);
  }

  #setT = (c: Call): Promise<void> => {
    const key = c.key!;
    if (this.#flights.size > 0) this.#flights.invalidate(key);
    return this.#store_('set', key, () => this.#store.set(key, this.#in(c.value as T), c.ttlMs));
  };

  setIfNotExists(key: string, value: T, ttl?: Duration | SetOptions): Promise<boolean> {
    return this.#conditional('setIfNotExists', key, value, ttl);
  }

  setIfExists(key: string, value: T, ttl?: Duration | SetOptions): Promise<boolean> {
    return this.#conditional('setIfExists', key, value, ttl);
  }

  #conditional(op: 'setIfNotExists' | 'setIfExists', key: string, value: T, ttl?: Duration | SetOptions) {
    const opts = typeof ttl === 'object' && ttl !== null ? ttl : undefined;
    let ttlMs: number;
    try {
      this.#c.keys.check(key, op);
      checkValue(value, this.name, op, key);
      ttlMs = this.#ttl(ttl, op);
      this.#precheck(op, opts?.signal);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#exec(this.#call(op, opts, { key, value, ttlMs }), async (c) => {
      const k = c.key!;
      const v = this.#in(c.value as T);
      const wrote = await this.#store_(op, k, () =>
        op === 'setIfNotExists' ? this.#full.setIfNotExists(k, v, c.ttlMs) : this.#full.setIfExists(k, v, c.ttlMs),
      );
      if (wrote && this.#flights.size > 0) this.#flights.invalidate(k);
      return wrote;
    });
  }

  touch(key: string, ttl?: Duration | SetOptions): Promise<boolean> {
    const opts = typeof ttl === 'object' && ttl !== null ? ttl : undefined;
    let ttlMs: number;
    try {
      this.#c.keys.check(key, 'touch');
      ttlMs = this.#ttl(ttl, 'touch');
      this.#precheck('touch', opts?.signal);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#exec(this.#call('touch', opts, { key, ttlMs }), (c) =>
      this.#store_('touch', c.key, () => this.#full.touch(c.key!, c.ttlMs)),
    );
  }

  setMany(items: Iterable<readonly [string, T]> | Record<string, T>, ttl?: Duration | SetOptions): Promise<void> {
    const opts = typeof ttl === 'object' && ttl !== null ? ttl : undefined;
    let entries: [string, T][];
    let ttlMs: number;
    try {
      if (items === null || typeof items !== 'object') {
        throw this.#err(
          'INVALID_ARGUMENT',
          'setMany',
          `items must be an iterable of [key, value] pairs or a record, got ${describe(items)}`,
        );
      }
      entries =
        Symbol.iterator in items
          ? lastWins([...(items as Iterable<readonly [string, T]>)].map((e) => this.#pair(e)))
          : Object.entries(items);
      for (const [k, v] of entries) {
        this.#c.keys.check(k, 'setMany');
        checkValue(v, this.name, 'setMany', k);
      }
      ttlMs = this.#ttl(ttl, 'setMany');
      this.#precheck('setMany', opts?.signal);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#exec(this.#call('setMany', opts, { entries, keys: entries.map((e) => e[0]), ttlMs }), async (c) => {
      const es = c.entries as [string, T][];
      if (es.length === 0) return;
      if (this.#flights.size > 0) for (const [k] of es) this.#flights.invalidate(k);
      const stored = this.#c.clone ? es.map(([k, v]) => [k, this.#in(v)] as const) : es;
      await this.#store_('setMany', undefined, () => this.#full.setMany(stored, c.ttlMs));
    });
  }

  #pair(e: unknown): [string, T] {
    if (!Array.isArray(e) || e.length !== 2) {
      throw this.#err('INVALID_ARGUMENT', 'setMany', `each item must be a [key, value] pair, got ${describe(e)}`);
    }
    return [e[0] as string, e[1] as T];
  }

  // ---- deletes --------------------------------------------------------------------------------

  delete(key: string, opts?: OpOptions): Promise<boolean> {
    return this.#single('delete', key, opts, (c) => {
      const k = c.key!;
      if (this.#flights.size > 0) this.#flights.invalidate(k);
      return this.#store_('delete', k, () => this.#store.delete(k));
    });
  }

  deleteMany(keys: readonly string[], opts?: OpOptions): Promise<number> {
    try {
      this.#c.keys.checkAll(keys, 'deleteMany');
      this.#precheck('deleteMany', opts?.signal);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#exec(this.#call('deleteMany', opts, { keys: [...keys] }), (c) => {
      const ks = c.keys!;
      if (ks.length === 0) return 0;
      if (this.#flights.size > 0) for (const k of ks) this.#flights.invalidate(k);
      return this.#store_('deleteMany', undefined, () => this.#full.deleteMany(ks));
    });
  }

  clear(opts?: OpOptions): Promise<void> {
    try {
      this.#precheck('clear', opts?.signal);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#exec(this.#call('clear', opts, {}), (_c) => {
      this.#flights.invalidateWhere();
      return this.#store_('clear', undefined, () => this.#store.clear());
    });
  }

  // ---- getOrSet -------------------------------------------------------------------------------

  getOrSet(key: string, loader: Loader<T>, ttl?: Duration | SetOptions): Promise<T> {
    const opts = typeof ttl === 'object' && ttl !== null ? ttl : undefined;
    let ttlMs: number;
    let timeoutMs: number | undefined;
    if (
      ttl === undefined &&
      typeof loader === 'function' &&
      typeof key === 'string' &&
      key.length !== 0 &&
      key.length <= this.#keyFastLen &&
      key.isWellFormed() &&
      !this.#closed
    ) {
      ttlMs = this.#c.defaultTtlMs;
      timeoutMs = this.#c.loaderTimeoutMs;
    } else {
      try {
        this.#c.keys.check(key, 'getOrSet');
        if (typeof loader !== 'function') {
          throw this.#err('INVALID_ARGUMENT', 'getOrSet', `loader must be a function, got ${describe(loader)}`, key);
        }
        ttlMs = this.#ttl(ttl, 'getOrSet');
        timeoutMs = this.#timeout(opts?.timeout, this.#c.loaderTimeoutMs, 'getOrSet', 'timeout');
        this.#precheck('getOrSet', opts?.signal);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    if (this.#lean && this.#flights.size === 0) {
      // Hot path for hits: no middleware or hooks, no load in flight, one store read.
      const t0 = this.#metrics === undefined ? 0 : performance.now();
      let v: T | undefined | Promise<T | undefined>;
      try {
        v = this.#store.get(key);
      } catch (e) {
        return Promise.reject(this.#measuredError('getOrSet', t0, e, key));
      }
      const miss = () =>
        this.#missThenLoad(
          this.#call('getOrSet', opts, {
            key,
            userKey: key,
            ttlMs,
            timeoutMs,
            loader: loader as Loader<unknown>,
            missSeen: true,
          }),
        );
      if (v instanceof Promise) {
        return v.then(
          (x) => (x !== undefined ? this.#measured('getOrSet', t0, this.#out(x), true) : miss()),
          (e) => Promise.reject(this.#measuredError('getOrSet', t0, e, key)),
        );
      }
      if (v !== undefined) return Promise.resolve(this.#measured('getOrSet', t0, this.#out(v), true));
      return miss();
    }
    return this.#exec(
      this.#call('getOrSet', opts, { key, userKey: key, ttlMs, timeoutMs, loader: loader as Loader<unknown> }),
      this.#getOrSetT,
    );
  }

  #timeout(d: Duration | undefined, dflt: number | undefined, op: string, what: string): number | undefined {
    if (d === undefined) return dflt;
    const ms = this.#duration(d, { cacheName: this.name, op, what });
    return ms === Number.POSITIVE_INFINITY ? undefined : ms;
  }

  #getOrSetT = async (c: Call): Promise<T> => {
    const key = c.key!;
    const existing = this.#flights.get(key);
    if (existing !== undefined) return this.#joinFlight(existing, c);
    if (c.missSeen !== true) {
      const v = await this.#store_('getOrSet', key, () => this.#store.get(key));
      if (v !== undefined) {
        this.#hit(true);
        return this.#out(v);
      }
      this.#hit(false);
    }
    if (c.signal?.aborted) {
      throw this.#err(
        'ABORTED',
        'getOrSet',
        'the caller aborted during its read; nothing was loaded',
        key,
        c.signal.reason,
      );
    }
    const again = this.#flights.get(key);
    if (again !== undefined) return this.#joinFlight(again, c);
    const flight = this.#flights.start(key);
    const waiting = this.#joinFlight(flight, c);
    void this.#fly(flight, c);
    return waiting;
  };

  #joinFlight(flight: Flight<T>, c: Call): Promise<T> {
    if (this.#flights.isRecursive(flight)) {
      return Promise.reject(
        this.#err(
          'INVALID_ARGUMENT',
          'getOrSet',
          'called for the same key from inside its own loader, which would wait for itself forever; load the value directly instead',
          flight.key,
        ),
      );
    }
    return this.#flights
      .join(flight, c.signal, () =>
        this.#err('ABORTED', 'getOrSet', 'the caller aborted while waiting for the loader', flight.key),
      )
      .then((v) => this.#out(v));
  }

  async #fly(flight: Flight<T>, c: Call): Promise<void> {
    const key = flight.key;
    const signal = flight.controller.signal;
    let timer: NodeJS.Timeout | undefined;
    if (c.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        this.#flights.abandon(
          flight,
          this.#err(
            'TIMEOUT',
            'getOrSet',
            `the loader did not settle within ${c.timeoutMs} ms; nothing was stored`,
            key,
          ),
        );
      }, c.timeoutMs);
      timer.unref?.();
    }
    const shouldStore = () => !flight.invalidated && !flight.abandoned && !this.#closed;
    const load = async (): Promise<T> => {
      let v: T;
      try {
        v = (await this.#flights.runLoader(flight, () =>
          (c.loader as Loader<T>)({ key: c.userKey ?? key, signal }),
        )) as T;
      } catch (cause) {
        if (flight.abandoned && signal.reason !== undefined && isCacheError(signal.reason)) throw signal.reason;
        throw this.#err('LOADER_FAILED', 'getOrSet', 'the loader threw; nothing was cached (see cause)', key, cause);
      }
      checkValue(v, this.name, 'getOrSet', key);
      return v;
    };
    try {
      let value: T;
      if (this.#store.loadThrough !== undefined) {
        value = await this.#store_('getOrSet', key, () =>
          this.#store.loadThrough!(key, c.ttlMs, { signal, load, shouldStore }),
        );
      } else {
        // A caller whose miss was read before another flight stored its value must not load again.
        const again = await this.#store_('getOrSet', key, () => this.#store.get(key));
        if (again !== undefined) value = again;
        else {
          value = await load();
          if (shouldStore()) await this.#store_('getOrSet', key, () => this.#store.set(key, this.#in(value), c.ttlMs));
        }
      }
      flight.resolve(value);
    } catch (e) {
      flight.reject(this.#wrap(e, 'getOrSet', key));
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      this.#flights.finish(flight);
    }
  }

  // ---- update ---------------------------------------------------------------------------------

  update(key: string, updater: Updater<T>, ttl?: Duration | SetOptions): Promise<T> {
    const opts = typeof ttl === 'object' && ttl !== null ? ttl : undefined;
    let ttlMs: number;
    let timeoutMs: number | undefined;
    try {
      this.#c.keys.check(key, 'update');
      if (typeof updater !== 'function') {
        throw this.#err('INVALID_ARGUMENT', 'update', `updater must be a function, got ${describe(updater)}`, key);
      }
      ttlMs = this.#ttl(ttl, 'update');
      timeoutMs = this.#timeout(opts?.timeout, this.#c.updaterTimeoutMs, 'update', 'timeout');
      this.#precheck('update', opts?.signal);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#exec(
      this.#call('update', opts, { key, ttlMs, timeoutMs, updater: updater as Updater<unknown> }),
      (c) => this.#serialized(c.key!, () => this.#updateLoop(c)),
    );
  }

  /** Same-key updates in this process run one after another, so only other processes cause CAS retries. */
  // The uncontended case, by far the common one, allocates no promise of its own.
  async #serialized<R>(key: string, fn: () => Promise<R>): Promise<R> {
    const waiting = this.#serial.get(key);
    if (waiting === undefined) this.#serial.set(key, []);
    else await new Promise<void>((resume) => waiting.push(resume));
    try {
      return await fn();
    } finally {
      const queue = this.#serial.get(key)!;
      const next = queue.shift();
      if (next === undefined) this.#serial.delete(key);
      else next();
    }
  }

  async #updateLoop(c: Call): Promise<T> {
    const key = c.key!;
    for (let attempt = 0; attempt <= this.#c.updateRetries; attempt++) {
      if (this.#closed) throw this.#closedError('update');
      if (c.signal?.aborted)
        throw this.#err('ABORTED', 'update', 'the signal aborted; nothing was written', key, c.signal.reason);
      const cur = await this.#store_('update', key, () => this.#store.getVersioned(key));
      const ran = this.#runUpdater(c, cur === undefined ? undefined : this.#out(cur.value), cur !== undefined);
      const next = ran instanceof Promise ? await ran : ran;
      if (this.#flights.size > 0) this.#flights.invalidate(key);
      const ok = await this.#store_('update', key, () =>
        this.#store.compareAndSet(key, cur === undefined ? null : cur.version, this.#in(next), c.ttlMs),
      );
      if (ok) return next;
    }
    throw this.#err(
      'CONFLICT',
      'update',
      `the entry kept changing under concurrent writers; gave up after ${this.#c.updateRetries + 1} attempts (nothing was written) — retry, or raise updateRetries`,
      key,
    );
  }

  /** The updater's checked result; synchronous for a synchronous updater (no extra tick). */
  #runUpdater(c: Call, old: T | undefined, exists: boolean): T | Promise<T> {
    let out: T | PromiseLike<T>;
    try {
      out = (c.updater as Updater<T>)(old, exists);
    } catch (cause) {
      throw this.#updaterFailed(c.key!, cause);
    }
    if (!isPromiseLike(out)) {
      checkValue(out, this.name, 'update', c.key!);
      return out;
    }
    return this.#awaitUpdater(c, out);
  }

  #updaterFailed(key: string, cause: unknown): CacheError {
    if (isCacheError(cause, 'TIMEOUT') && cause.cacheName === this.name && cause.op === 'update') return cause;
    return this.#err('UPDATER_FAILED', 'update', 'the updater threw; nothing was written (see cause)', key, cause);
  }

  async #awaitUpdater(c: Call, pending: PromiseLike<T>): Promise<T> {
    const key = c.key!;
    let timer: NodeJS.Timeout | undefined;
    let next: T;
    try {
      const run = Promise.resolve(pending);
      if (c.timeoutMs === undefined) next = await run;
      else {
        const ms = c.timeoutMs;
        next = await Promise.race([
          run,
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () =>
                reject(
                  this.#err(
                    'TIMEOUT',
                    'update',
                    `the updater did not settle within ${ms} ms; nothing was written`,
                    key,
                  ),
                ),
              ms,
            );
            timer.unref?.();
          }),
        ]);
      }
    } catch (cause) {
      throw this.#updaterFailed(key, cause);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
    checkValue(next, this.name, 'update', key);
    return next;
  }

  // ---- indexes --------------------------------------------------------------------------------

  #indexCheck(op: CacheOp, indexName: string, indexKey: string, key?: string): void {
    this.#c.keys.check(indexName, op, 'indexName');
    this.#c.keys.check(indexKey, op, 'indexKey');
    if (key !== undefined) this.#c.keys.check(key, op);
    if (this.#store.addIndex === undefined) {
      throw this.#err(
        'INVALID_ARGUMENT',
        op,
        `provider "${this.#c.provider.name}" has no index support; use a provider with indexes or wrap it with @gocache/indexing`,
      );
    }
    const declared = this.#c.indexes;
    if (declared !== undefined) {
      const glob = declared.get(indexName);
      if (glob === undefined) {
        throw this.#err(
          'INVALID_ARGUMENT',
          op,
          `index "${indexName}" is not declared; declared indexes: ${[...declared.keys()].join(', ')} — add it to the cache's indexes option`,
        );
      }
      if (key !== undefined && (op === 'addIndex' || op === 'removeIndex') && !glob.test(key)) {
        throw this.#err(
          'INVALID_ARGUMENT',
          op,
          `key does not match index "${indexName}"'s declared pattern "${glob.source}"; only matching keys can join it`,
          key,
        );
      }
    }
  }

  addIndex(indexName: string, key: string, indexKey: string, opts?: OpOptions): Promise<void> {
    try {
      this.#precheck('addIndex', opts?.signal);
      this.#indexCheck('addIndex', indexName, indexKey, key);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#exec(this.#call('addIndex', opts, { key, indexName, indexKey }), async (c) => {
      const ok = await this.#store_('addIndex', c.key, () => this.#store.addIndex!(c.indexName!, c.key!, c.indexKey!));
      if (!ok) {
        throw this.#err(
          'NOT_FOUND',
          'addIndex',
          'the entry does not exist (or expired); set it before indexing it',
          c.key,
        );
      }
    });
  }

  removeIndex(indexName: string, key: string, indexKey: string, opts?: OpOptions): Promise<void> {
    try {
      this.#precheck('removeIndex', opts?.signal);
      this.#indexCheck('removeIndex', indexName, indexKey, key);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#exec(this.#call('removeIndex', opts, { key, indexName, indexKey }), (c) =>
      this.#store_('removeIndex', c.key, () => this.#store.removeIndex!(c.indexName!, c.key!, c.indexKey!)),
    );
  }

  getByIndex(indexName: string, indexKey: string, opts?: OpOptions): Promise<string[]> {
    try {
      this.#precheck('getByIndex', opts?.signal);
      this.#indexCheck('getByIndex', indexName, indexKey);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#exec(this.#call('getByIndex', opts, { indexName, indexKey }), (c) =>
      this.#store_('getByIndex', undefined, () => this.#store.getByIndex!(c.indexName!, c.indexKey!)),
    );
  }

  deleteByIndex(indexName: string, indexKey: string, opts?: OpOptions): Promise<number> {
    try {
      this.#precheck('deleteByIndex', opts?.signal);
      this.#indexCheck('deleteByIndex', indexName, indexKey);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#exec(this.#call('deleteByIndex', opts, { indexName, indexKey }), (c) => {
      // Which keys the set holds is the store's business; no in-flight load may land after this.
      this.#flights.invalidateWhere();
      return this.#store_('deleteByIndex', undefined, () => this.#full.deleteByIndex!(c.indexName!, c.indexKey!));
    });
  }

  // ---- patterns -------------------------------------------------------------------------------

  #glob(pattern: string, op: CacheOp): CompiledGlob {
    if (typeof pattern !== 'string') {
      throw this.#err('INVALID_ARGUMENT', op, `pattern must be a string, got ${describe(pattern)}`);
    }
    if (pattern.length > this.#c.maxPatternLength) {
      throw this.#err(
        'INVALID_ARGUMENT',
        op,
        `pattern is ${pattern.length} characters, over the limit of ${this.#c.maxPatternLength}; narrow it or raise maxPatternLength`,
      );
    }
    if (!pattern.isWellFormed()) {
      throw this.#err('INVALID_ARGUMENT', op, 'pattern contains a lone UTF-16 surrogate; pass well-formed text');
    }
    return compileGlob(pattern);
  }

  getKeysByPattern(pattern: string, opts?: OpOptions): Promise<string[]> {
    let glob: CompiledGlob;
    try {
      glob = this.#glob(pattern, 'getKeysByPattern');
      this.#precheck('getKeysByPattern', opts?.signal);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#exec(this.#call('getKeysByPattern', opts, { pattern, glob }), async (c) => {
      const g = c.pattern === glob.source ? glob : this.#glob(c.pattern!, 'getKeysByPattern');
      const out: string[] = [];
      try {
        for await (const k of this.#store.scan(g)) out.push(k);
      } catch (e) {
        throw this.#wrap(e, 'getKeysByPattern');
      }
      return out;
    });
  }

  scanKeys(pattern: string, opts?: OpOptions): AsyncIterable<string> {
    return { [Symbol.asyncIterator]: () => this.#scan(pattern, opts) };
  }

  async *#scan(pattern: string, opts: OpOptions | undefined): AsyncGenerator<string> {
    const glob = this.#glob(pattern, 'scanKeys');
    this.#precheck('scanKeys', opts?.signal);
    const source = await this.#exec(this.#call('scanKeys', opts, { pattern, glob }), (c) =>
      this.#store.scan(c.pattern === glob.source ? glob : this.#glob(c.pattern!, 'scanKeys')),
    );
    try {
      for await (const k of source) {
        if (this.#closed) throw this.#closedError('scanKeys');
        if (opts?.signal?.aborted)
          throw this.#err('ABORTED', 'scanKeys', 'the signal aborted the scan', undefined, opts.signal.reason);
        yield k;
      }
    } catch (e) {
      throw this.#wrap(e, 'scanKeys');
    }
  }

  deleteByPattern(pattern: string, opts?: OpOptions): Promise<number> {
    let glob: CompiledGlob;
    try {
      glob = this.#glob(pattern, 'deleteByPattern');
      this.#precheck('deleteByPattern', opts?.signal);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#exec(this.#call('deleteByPattern', opts, { pattern, glob }), async (c) => {
      const g = c.pattern === glob.source ? glob : this.#glob(c.pattern!, 'deleteByPattern');
      if (this.#flights.size > 0) this.#flights.invalidateWhere((k) => g.test(k));
      return this.#store_('deleteByPattern', undefined, () => this.#full.deleteByPattern(g));
    });
  }

  // ---- derived indexes ------------------------------------------------------------------------

  /** Hand the store memberships to keep with every write (`useDerivedIndexes`); false when it cannot. */
  [DERIVE_INDEXES](indexes: DerivedIndexes): boolean {
    if (this.#closed || this.#store.deriveIndexes === undefined) return false;
    this.#store.deriveIndexes(indexes);
    return true;
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  /** Entry count, where the provider can tell. */
  async entryCount(): Promise<number | undefined> {
    if (this.#closed || this.#store.size === undefined) return undefined;
    return this.#store.size();
  }

  close(): Promise<void> {
    this.#closing ??= this.#doClose();
    return this.#closing;
  }

  async #doClose(): Promise<void> {
    this.#closed = true;
    this.#flights.abandonAll(() =>
      this.#err('CLOSED', 'getOrSet', 'the cache closed while the loader ran; nothing was stored'),
    );
    try {
      await this.#store.close();
    } finally {
      await this.#c.onClose?.();
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** A repeated key keeps its last value, at its first position (as `Map` would): stores never see a key twice. */
function lastWins<V>(entries: [string, V][]): [string, V][] {
  if (entries.length < 2) return entries;
  const m = new Map<string, V>();
  for (const [k, v] of entries) m.set(k, v);
  return m.size === entries.length ? entries : [...m];
}

function isPromiseLike<V>(v: V | PromiseLike<V>): v is PromiseLike<V> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}
