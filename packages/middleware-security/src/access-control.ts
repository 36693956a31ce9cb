import {
  CacheError,
  type CacheMetrics,
  type MiddlewareHost,
  type MiddlewareObject,
  type OperationContext,
} from '@gocache/core';
import { optionError } from './options.js';
import { recordSecurityEvent } from './security-event.js';

/**
 * Decides whether an operation may run. Return `true` to allow; `false` (or throw) to refuse.
 * It sees the operation, its key(s) as this layer sees them and the per-call `attributes`.
 */
export type AccessCheck = (ctx: OperationContext) => boolean | Promise<boolean>;

/**
 * Refuses operations that `check` does not allow, with `ACCESS_DENIED`, before anything is read or
 * written, and records an `access_denied` security event (severity `medium`; the check's own error
 * as `cause` if it threw).
 *
 * @example
 * accessControl((ctx) => ctx.op === 'get' || ctx.attributes.role === 'admin')
 */
export function accessControl(check: AccessCheck): MiddlewareObject {
  if (typeof check !== 'function') {
    throw optionError('accessControl', 'check must be a function (ctx) => boolean | Promise<boolean>');
  }
  let metrics: CacheMetrics | undefined;
  return {
    name: 'accessControl',
    attach(host: MiddlewareHost) {
      metrics = host.metrics;
    },
    async handle(ctx, next) {
      let allowed = false;
      let cause: unknown;
      try {
        allowed = (await check(ctx)) === true;
      } catch (e) {
        cause = e;
      }
      if (!allowed) {
        recordSecurityEvent(metrics, ctx.cacheName, 'access_denied', 'medium', { op: ctx.op });
        throw new CacheError(
          'ACCESS_DENIED',
          cause === undefined
            ? 'refused by accessControl; nothing was read or written'
            : 'accessControl check threw, so the operation was refused; nothing was read or written (see cause)',
          { cacheName: ctx.cacheName, op: ctx.op, key: ctx.key, cause },
        );
      }
      return next();
    },
  };
}
