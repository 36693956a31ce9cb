import type { CacheMetrics } from './metrics.js';
import type { Cache, EvictReason } from './types.js';

/** Names of the operations of `Cache<T>`, as seen by middleware, hooks and metrics. */
export type CacheOp =
  | 'get'
  | 'set'
  | 'delete'
  | 'clear'
  | 'has'
  | 'touch'
  | 'getOrSet'
  | 'update'
  | 'getMany'
  | 'setMany'
  | 'deleteMany'
  | 'addIndex'
  | 'removeIndex'
  | 'getByIndex'
  | 'deleteByIndex'
  | 'setIfNotExists'
  | 'setIfExists'
  | 'getKeysByPattern'
  | 'scanKeys'
  | 'deleteByPattern'
  | 'getMetadata';

/**
 * One call as it passes through middleware and hooks. Middleware may rewrite `key`, `keys`,
 * `entries`, `value` before calling `next()` (e.g. key hashing); the inner layers read them from here.
 */
export interface OperationContext {
  readonly op: CacheOp;
  readonly cacheName: string;
  /** The key of single-key operations. */
  key?: string | undefined;
  /** The keys of `getMany`/`deleteMany`. */
  keys?: string[] | undefined;
  /** The entries of `setMany`. */
  entries?: [string, unknown][] | undefined;
  /** The value of `set`/`setIfExists`/`setIfNotExists`. */
  value?: unknown;
  /** The pattern of pattern operations. */
  pattern?: string | undefined;
  indexName?: string | undefined;
  indexKey?: string | undefined;
  readonly signal: AbortSignal | undefined;
  /** Per-call attributes from `OpOptions.attributes`; middleware may add to them. */
  readonly attributes: Record<string, unknown>;
  /** The cache's metrics sink, when one is attached. */
  readonly metrics: CacheMetrics | undefined;
}

/** Wraps every public operation: do work before and after `next()`, or throw to refuse. */
export type MiddlewareFn = (ctx: OperationContext, next: () => Promise<unknown>) => Promise<unknown>;

/** Why an entry left a store, as stores report it; a superset of `EvictReason`. */
export type LeaveReason = EvictReason | 'replaced' | 'closed';

/** An entry left the store. `value` is present where the provider holds values in-process. */
export interface EntryLeaveEvent {
  readonly cacheName: string;
  readonly key: string;
  readonly reason: LeaveReason;
  readonly value?: unknown;
}

/** What a middleware object learns about the cache it is attached to. */
export interface MiddlewareHost {
  readonly cacheName: string;
  readonly metrics: CacheMetrics | undefined;
  /** The provider's capabilities (e.g. whether values are held in-process). */
  readonly referenceValues: boolean;
  /**
   * The cache itself, for follow-up calls a middleware makes on its own behalf (e.g. moving an
   * entry to a rotated key). Such calls pass through the whole pipeline again, this middleware too.
   */
  readonly cache: Cache<unknown>;
}

/** A middleware with a name and optional lifecycle hooks; `handle` wraps operations. */
export interface MiddlewareObject {
  readonly name: string;
  handle?: MiddlewareFn | undefined;
  /** Called once when attached to a cache. */
  attach?(host: MiddlewareHost): void;
  /** Every entry that leaves the store (delete, overwrite, expiry, eviction, clear, close). */
  onEntryLeave?(event: EntryLeaveEvent): void;
  /** Called when the cache closes, after its store closed. */
  onClose?(): void | Promise<void>;
}

/** A function or an object middleware. Order in `CacheOptions.middleware` is outermost first. */
export type Middleware = MiddlewareFn | MiddlewareObject;
