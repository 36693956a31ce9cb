import type { CacheError } from './errors.js';
import type { CacheOp } from './middleware.js';
import type { EvictReason } from './types.js';

/** What a hook sees of an operation. */
export interface HookContext {
  readonly cacheName: string;
  readonly op: CacheOp;
  readonly key?: string | undefined;
  readonly keys?: readonly string[] | undefined;
  readonly pattern?: string | undefined;
  readonly indexName?: string | undefined;
  readonly indexKey?: string | undefined;
  readonly attributes: Record<string, unknown>;
}

/**
 * Hooks around operations. A throwing (or rejecting) `pre*` hook refuses the operation with
 * `ACCESS_DENIED` (its error as `cause`): nothing is read or written. `post*` hooks run after
 * success; an error they throw is reported to `onError` and does not fail the operation.
 *
 * Reads (`get`, `has`, `getMany`, `getMetadata`, `getByIndex`, `getKeysByPattern`, `scanKeys`) run
 * `preGet`/`postGet`; writes (`set`, `setMany`, `setIfExists`, `setIfNotExists`, `update`,
 * `addIndex`, `removeIndex`) run `preSet`/`postSet`; `getOrSet` runs `preGet` and `preSet` before
 * anything is read; deletes (`delete`, `deleteMany`, `deleteByIndex`, `deleteByPattern`, `clear`)
 * run `preDelete`/`postDelete`.
 */
export interface CacheHooks<T> {
  preGet?(ctx: HookContext): void | Promise<void>;
  postGet?(ctx: HookContext & { hit: boolean; value?: T | undefined }): void | Promise<void>;
  preSet?(ctx: HookContext & { value?: T | undefined }): void | Promise<void>;
  postSet?(ctx: HookContext & { value?: T | undefined }): void | Promise<void>;
  preDelete?(ctx: HookContext): void | Promise<void>;
  postDelete?(ctx: HookContext & { removed: number }): void | Promise<void>;
  /** An entry left: expired, evicted, deleted or cleared (value where held in-process). */
  onEvict?(event: { cacheName: string; key: string; reason: EvictReason; value?: T | undefined }): void;
  /** Any operation failed. Must not throw. */
  onError?(error: CacheError, ctx: HookContext): void;
}
