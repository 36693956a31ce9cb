import { Call } from './call.js';
import { type DurationSite, parseDuration } from './duration.js';
import { CacheError, type CacheErrorCode, isCacheError, withContext } from './errors.js';
import type { CompiledGlob } from './glob.js';
import { type GraceRecord, isGraceRecord, liveValue } from './grace.js';
import type { CacheMetrics, MetricLabels } from './metrics.js';
import type { CacheOp, MiddlewareFn, OperationContext } from './middleware.js';
import { compose } from './pipeline.js';
import { SingleFlight } from './single-flight.js';
import type { CacheProvider, MaybePromise, Store } from './spi.js';
import { type CompleteStore, completeStore } from './store-kit/fallbacks.js';
import type { Duration, OpOptions, SetOptions } from './types.js';
import type { KeyRules } from './validate.js';

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
  /** The clock the store was given (checked). */
  now: () => number;
  /** Where a failure nobody awaits goes (a background refresh): the `onError` hook. */
  onBackgroundError: ((e: CacheError) => void) | undefined;
}

/** An operation's store step: what the operation does, written once for every envelope. */
export type Step<R> = (call: Call) => MaybePromise<R>;

const READ_FAILURE = new Set<CacheErrorCode>(['UNAVAILABLE', 'PROVIDER', 'TIMEOUT']);

/**
 * What every operation of one cache shares: its config, store, flights and metrics, the rules
 * for errors, TTLs and values, and the envelope steps run in. The envelope — lean (no middleware,
 * hooks or metrics), metered, or the full pipeline — is chosen once, here, when the cache is built.
 */
export class CacheCore<T> {
  readonly name: string;
  readonly c: ResolvedCacheConfig;
  readonly store: Store<T>;
  /** The store with every derivable method present (its own, or core's fallback). */
  readonly full: CompleteStore<T>;
  readonly flights = new SingleFlight<T>();
  readonly metrics: CacheMetrics | undefined;
  readonly labels: MetricLabels;
  readonly clone: boolean;
  /** True when middleware or hooks are attached (calls then carry a fresh attribute bag). */
  readonly piped: boolean;
  /**
   * No middleware, hooks or metrics: the hot operations (`get`, `set`, a `getOrSet` hit) then run
   * their step on the bare key, with no `Call` to allocate (decided here, once).
   */
  readonly bare: boolean;
  closed = false;
  /**
   * True when values read from the store may be grace records (see `grace.ts`) and must be
   * checked: always on a distributed store (another process may write them), and in-process from
   * the first `getOrSet` with `grace`. The check looks at a value already read: no I/O.
   */
  checkReads: boolean;
  /**
   * True once this cache has used `grace` or read a grace record: from then on `has`,
   * `getMetadata`, `touch` and the conditional writes judge the logical entry, which costs them a
   * read (`getVersioned`) first. A cache that never meets grace pays nothing.
   */
  graceSeen = false;
  /** True once the store keeps value-derived indexes (a grace record would hide the value from them). */
  derivedIndexes = false;
  /** Run `step` for `call` in this cache's envelope. */
  readonly invoke: <R>(call: Call, step: Step<R>) => Promise<R>;
  readonly #run:
    | ((ctx: OperationContext, terminal: (ctx: OperationContext) => unknown) => Promise<unknown>)
    | undefined;
  readonly #durations = new Map<string, number>();

  constructor(config: ResolvedCacheConfig) {
    this.name = config.name;
    this.c = config;
    this.store = config.store as Store<T>;
    this.full = completeStore(this.store);
    this.metrics = config.metrics;
    this.labels = { cache: config.name };
    this.clone = config.clone;
    this.#run = config.chain.length > 0 ? compose(config.chain) : undefined;
    this.piped = this.#run !== undefined;
    this.bare = !this.piped && this.metrics === undefined;
    this.checkReads = config.provider.capabilities.distributed;
    this.invoke = (this.piped ? this.#piped : this.metrics !== undefined ? this.#metered : this.#lean) as never;
  }

  call(op: CacheOp, opts: OpOptions | undefined): Call {
    return new Call(op, this.name, opts?.signal, opts?.attributes, this.metrics, this.piped);
  }

  // ---- envelopes ------------------------------------------------------------------------------

  /** No middleware, hooks or metrics: the step's result, and a synchronous store costs no extra tick. */
  #lean = <R>(call: Call, step: Step<R>): Promise<R> => {
    try {
      return this.settle(call.op, call.key, step(call));
    } catch (e) {
      return Promise.reject(this.fault(e, call));
    }
  };

  /** The lean envelope with the operation's duration and status recorded. */
  #metered = <R>(call: Call, step: Step<R>): Promise<R> => {
    const m = this.metrics!;
    const t0 = performance.now();
    try {
      const r = step(call);
      if (!(r instanceof Promise)) {
        m.recordOperation(call.op, 'ok', performance.now() - t0, this.labels);
        return Promise.resolve(r);
      }
      return r.then(
        (v) => {
          m.recordOperation(call.op, 'ok', performance.now() - t0, this.labels);
          return v;
        },
        (e: unknown) => {
          m.recordOperation(call.op, 'error', performance.now() - t0, this.labels);
          return Promise.reject(this.fault(e, call));
        },
      );
    } catch (e) {
      m.recordOperation(call.op, 'error', performance.now() - t0, this.labels);
      return Promise.reject(this.fault(e, call));
    }
  };

  /** Through middleware and hooks (outermost first) to the step, measured when metrics are attached. */
  #piped = async <R>(call: Call, step: Step<R>): Promise<R> => {
    const m = this.metrics;
    const t0 = m === undefined ? 0 : performance.now();
    try {
      const r = (await this.#run!(call, (ctx) => this.#lean(ctx as Call, step))) as R;
      m?.recordOperation(call.op, 'ok', performance.now() - t0, this.labels);
      return r;
    } catch (e) {
      m?.recordOperation(call.op, 'error', performance.now() - t0, this.labels);
      if (isCacheError(e)) throw e;
      // Steps only throw CacheErrors (fault() sees to it), so anything else escaped a user middleware: fail closed.
      throw this.err('ACCESS_DENIED', call.op, 'a middleware threw; the operation was refused', call.key, e);
    }
  };

  /** What a step threw, as a `CacheError`: a non-`CacheError` from core's own code is a bug, and says so. */
  fault(e: unknown, call: Call): CacheError {
    return this.faultAt(e, call.op, call.key);
  }

  faultAt(e: unknown, op: CacheOp, key: string | undefined): CacheError {
    if (isCacheError(e)) return e;
    return this.err(
      'PROVIDER',
      op,
      'an internal error in @gocache/core (a bug: please report it with the cause)',
      key,
      e,
    );
  }

  /** The bare envelope (see `bare`): a step's result on the bare key as the caller's promise. */
  settle<R>(op: CacheOp, key: string | undefined, r: MaybePromise<R>): Promise<R> {
    return r instanceof Promise
      ? r.catch((e: unknown) => Promise.reject(this.faultAt(e, op, key)))
      : Promise.resolve(r);
  }

  // ---- errors -----------------------------------------------------------------------------------

  err(code: CacheErrorCode, op: string, message: string, key?: string, cause?: unknown): CacheError {
    return new CacheError(code, message, { cacheName: this.name, op, key, cause });
  }

  closedError(op: string): CacheError {
    return this.err('CLOSED', op, 'the cache is closed; create a new cache to continue');
  }

  /** Throw `INVALID_KEY` unless `key` is a legal key (or index name/key: `what`). */
  checkKey(key: unknown, op: string, what?: string): void {
    this.c.keys.check(key, op, what);
  }

  /** Throw `INVALID_ARGUMENT`/`INVALID_KEY` unless `keys` is an array of legal keys. */
  checkKeys(keys: unknown, op: string): void {
    this.c.keys.checkAll(keys, op);
  }

  /** Throw `CLOSED` or `ABORTED` before any I/O. */
  precheck(op: string, signal: AbortSignal | undefined): void {
    if (this.closed) throw this.closedError(op);
    if (signal?.aborted)
      throw this.err('ABORTED', op, 'the signal was already aborted; nothing was done', undefined, signal.reason);
  }

  /** A store's failure as a `CacheError` with this cache's context. */
  wrap(e: unknown, op: string, key?: string): CacheError {
    if (isCacheError(e)) return withContext(e, this.name, op, key);
    const msg = e instanceof Error ? e.message : String(e);
    return this.err('PROVIDER', op, `provider "${this.c.provider.name}" failed: ${msg}`, key, e);
  }

  /** Call the store, with its failures wrapped (synchronous or not). */
  async via<R>(op: string, key: string | undefined, fn: () => MaybePromise<R>): Promise<R> {
    try {
      return await fn();
    } catch (e) {
      throw this.wrap(e, op, key);
    }
  }

  /** A read's failure: a miss when the user opted into `errorsAsMisses` for backend failures, else thrown. */
  readFailed(e: unknown, op: string, key: string | undefined): undefined {
    const err = this.wrap(e, op, key);
    if (this.c.errorsAsMisses && READ_FAILURE.has(err.code)) return undefined;
    throw err;
  }

  // ---- values, TTLs, hits ---------------------------------------------------------------------

  in(v: T): T {
    return this.clone ? structuredClone(v) : v;
  }

  /** A value read from the store, as the caller gets it; a hit or miss is recorded. */
  found<V extends T | undefined>(v: V): V {
    const m = this.metrics;
    if (m !== undefined) {
      if (v !== undefined) m.recordHit(this.labels);
      else m.recordMiss(this.labels);
    }
    return this.clone && v !== undefined ? structuredClone(v) : v;
  }

  /** What a read returns of what the store holds: a grace record's value while it is fresh, else as stored. */
  live(raw: T | undefined): T | undefined {
    if (!this.checkReads || !isGraceRecord(raw)) return raw;
    this.graceSeen = true;
    return liveValue(raw as GraceRecord<T>, this.c.now());
  }

  /** Grace is in use from now on (reads check records, and the operations that cannot see them read first). */
  useGrace(): void {
    this.checkReads = true;
    this.graceSeen = true;
  }

  out<V extends T | undefined>(v: V): V {
    return this.clone && v !== undefined ? structuredClone(v) : v;
  }

  hit(found: boolean): void {
    const m = this.metrics;
    if (m === undefined) return;
    if (found) m.recordHit(this.labels);
    else m.recordMiss(this.labels);
  }

  ttl(arg: Duration | SetOptions | undefined, op: string): number {
    if (arg === undefined) return this.c.defaultTtlMs;
    let d: Duration | undefined;
    if (typeof arg === 'object' && arg !== null) {
      d = arg.ttl;
      if (d === undefined) return this.c.defaultTtlMs;
    } else d = arg;
    return this.duration(d, { cacheName: this.name, op, what: 'ttl' });
  }

  duration(d: Duration, site: DurationSite): number {
    if (typeof d === 'number') return parseDuration(d, site);
    const hit = this.#durations.get(d);
    if (hit !== undefined) return hit;
    const ms = parseDuration(d, site);
    if (this.#durations.size < 256) this.#durations.set(d, ms);
    return ms;
  }

  /** A per-call timeout in ms (`undefined`: none), defaulting to the cache's. */
  timeout(d: Duration | undefined, dflt: number | undefined, op: string, what: string): number | undefined {
    if (d === undefined) return dflt;
    const ms = this.duration(d, { cacheName: this.name, op, what });
    return ms === Number.POSITIVE_INFINITY ? undefined : ms;
  }
}

/** The options object of a `ttl`-or-options argument, if it is one. */
export function optionsOf(ttl: Duration | SetOptions | undefined): SetOptions | undefined {
  return typeof ttl === 'object' && ttl !== null ? ttl : undefined;
}
