import { CacheError, isCacheError } from './errors.js';
import type { CacheHooks, HookContext } from './hooks.js';
import type { CacheOp, MiddlewareFn, OperationContext } from './middleware.js';

/** How each operation maps onto the hook families. */
const KIND: Record<CacheOp, 'read' | 'write' | 'delete' | 'getOrSet'> = {
  get: 'read',
  has: 'read',
  getMany: 'read',
  getMetadata: 'read',
  getByIndex: 'read',
  getKeysByPattern: 'read',
  scanKeys: 'read',
  set: 'write',
  setMany: 'write',
  setIfExists: 'write',
  setIfNotExists: 'write',
  touch: 'write',
  update: 'write',
  addIndex: 'write',
  removeIndex: 'write',
  getOrSet: 'getOrSet',
  delete: 'delete',
  deleteMany: 'delete',
  deleteByIndex: 'delete',
  deleteByPattern: 'delete',
  clear: 'delete',
};

function hookContext(ctx: OperationContext): HookContext {
  return {
    cacheName: ctx.cacheName,
    op: ctx.op,
    key: ctx.key,
    keys: ctx.keys,
    pattern: ctx.pattern,
    indexName: ctx.indexName,
    indexKey: ctx.indexKey,
    attributes: ctx.attributes,
  };
}

async function pre(hook: ((c: never) => unknown) | undefined, name: string, hctx: object, ctx: OperationContext) {
  if (hook === undefined) return;
  try {
    await (hook as (c: object) => unknown)(hctx);
  } catch (cause) {
    ctx.metrics?.recordSecurityEvent('access_denied', 'medium', { cache: ctx.cacheName, op: ctx.op, hook: name });
    throw new CacheError('ACCESS_DENIED', `refused by the ${name} hook; nothing was read or written`, {
      cacheName: ctx.cacheName,
      op: ctx.op,
      key: ctx.key,
      cause,
    });
  }
}

function removedCount(result: unknown): number {
  if (typeof result === 'number') return result;
  if (typeof result === 'boolean') return result ? 1 : 0;
  return 0;
}

/** The hooks as the innermost middleware: `pre*` refuse with ACCESS_DENIED, `post*` never fail the call. */
export function hooksMiddleware<T>(hooks: CacheHooks<T>): MiddlewareFn {
  const report = (e: unknown, ctx: OperationContext) => {
    const err = isCacheError(e)
      ? e
      : new CacheError('PROVIDER', 'a post hook threw; the operation itself succeeded', {
          cacheName: ctx.cacheName,
          op: ctx.op,
          key: ctx.key,
          cause: e,
        });
    try {
      hooks.onError?.(err, hookContext(ctx));
    } catch {
      // onError must not throw; if it does there is nowhere left to report it.
    }
  };
  return async (ctx, next) => {
    const hctx = hookContext(ctx);
    const kind = KIND[ctx.op];
    if (kind === 'read') await pre(hooks.preGet, 'preGet', hctx, ctx);
    else if (kind === 'write') await pre(hooks.preSet, 'preSet', { ...hctx, value: ctx.value }, ctx);
    else if (kind === 'delete') await pre(hooks.preDelete, 'preDelete', hctx, ctx);
    else {
      await pre(hooks.preGet, 'preGet', hctx, ctx);
      await pre(hooks.preSet, 'preSet', hctx, ctx);
    }
    const result = await next();
    try {
      if (kind === 'read' || kind === 'getOrSet') {
        const hit = ctx.op === 'getMany' ? (result as Map<string, unknown>).size > 0 : result !== undefined;
        const single = ctx.op === 'get' || ctx.op === 'getOrSet';
        await hooks.postGet?.({ ...hctx, hit, value: single ? (result as T) : undefined });
      } else if (kind === 'write') {
        await hooks.postSet?.({ ...hctx, value: ctx.value as T | undefined });
      } else {
        await hooks.postDelete?.({ ...hctx, removed: removedCount(result) });
      }
    } catch (e) {
      report(e, ctx);
    }
    return result;
  };
}

/** Compose middleware, outermost first, around a terminal. */
export function compose(
  fns: readonly MiddlewareFn[],
): (ctx: OperationContext, terminal: (ctx: OperationContext) => unknown) => Promise<unknown> {
  return (ctx, terminal) => {
    const dispatch = (i: number): Promise<unknown> => {
      const fn = fns[i];
      if (fn === undefined) {
        try {
          return Promise.resolve(terminal(ctx));
        } catch (e) {
          return Promise.reject(e);
        }
      }
      let called = false;
      try {
        return Promise.resolve(
          fn(ctx, () => {
            if (called) return Promise.reject(new Error('next() called twice by a middleware'));
            called = true;
            return dispatch(i + 1);
          }),
        );
      } catch (e) {
        return Promise.reject(e);
      }
    };
    return dispatch(0);
  };
}
