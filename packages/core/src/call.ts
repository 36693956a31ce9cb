import type { CompiledGlob } from './glob.js';
import type { CacheMetrics } from './metrics.js';
import type { CacheOp, OperationContext } from './middleware.js';
import type { LoaderContext } from './types.js';

/** A `getOrSet` loader as core holds it. */
export type Loader<T> = (ctx: LoaderContext) => T | Promise<T>;
/** An `update` updater as core holds it. */
export type Updater<T> = (old: T | undefined, exists: boolean) => T | Promise<T>;

const NO_ATTRS: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/**
 * One call: the public context middleware sees, plus the private parameters the operation's step
 * reads. One fixed shape for every operation, so the lean path allocates one small object.
 */
export class Call implements OperationContext {
  readonly op: CacheOp;
  readonly cacheName: string;
  readonly signal: AbortSignal | undefined;
  readonly attributes: Record<string, unknown>;
  readonly metrics: CacheMetrics | undefined;
  key: string | undefined = undefined;
  keys: string[] | undefined = undefined;
  entries: [string, unknown][] | undefined = undefined;
  value: unknown = undefined;
  pattern: string | undefined = undefined;
  indexName: string | undefined = undefined;
  indexKey: string | undefined = undefined;
  ttlMs = 0;
  timeoutMs: number | undefined = undefined;
  /** `getOrSet`'s grace period in ms, if any. */
  graceMs: number | undefined = undefined;
  /** `getOrSet`'s soft timeout in ms, if any. */
  softMs: number | undefined = undefined;
  loader: Loader<unknown> | undefined = undefined;
  updater: Updater<unknown> | undefined = undefined;
  glob: CompiledGlob | undefined = undefined;
  /** The key as the caller gave it, before any middleware rewrote `key` (the loader gets this one). */
  userKey: string | undefined = undefined;

  constructor(
    op: CacheOp,
    cacheName: string,
    signal: AbortSignal | undefined,
    attributes: Record<string, unknown> | undefined,
    metrics: CacheMetrics | undefined,
    piped: boolean,
  ) {
    this.op = op;
    this.cacheName = cacheName;
    this.signal = signal;
    // Middleware may add attributes; without middleware nobody reads them.
    this.attributes = attributes === undefined ? (piped ? {} : NO_ATTRS) : { ...attributes };
    this.metrics = metrics;
  }
}
