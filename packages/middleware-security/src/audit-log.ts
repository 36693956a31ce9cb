import { isCacheError, type MiddlewareObject, type SecuritySeverity } from '@gocache/core';
import type { AuditSink } from './audit-event.js';
import { optionError } from './options.js';

/** Options of {@link auditLog}. */
export interface AuditLogOptions {
  /**
   * Put the key (as this layer sees it) in each event. Off by default so raw keys such as session
   * tokens never reach a log; with `keyHashing` before `auditLog` the key is an HMAC.
   * @default false
   */
  includeKeys?: boolean | undefined;
  /**
   * Names of per-call attributes to copy into each event (e.g. `['caller']`).
   * @default []
   */
  attributes?: readonly string[] | undefined;
  /**
   * Which operations to log: `'all'`, or only `'writes'` (set/update/delete/clear/index changes)
   * plus every failure.
   * @default 'all'
   */
  ops?: 'all' | 'writes' | undefined;
}

const READS = new Set(['get', 'has', 'getMany', 'getMetadata', 'getByIndex', 'getKeysByPattern', 'scanKeys']);
const REFUSALS: Record<string, SecuritySeverity> = { ACCESS_DENIED: 'medium', RATE_LIMITED: 'low' };

/**
 * Sends one event per operation to `sink`: operation, outcome, error code, duration, key count,
 * and for refusals (`ACCESS_DENIED`, `RATE_LIMITED` from any inner layer) a severity. The sink is
 * called synchronously after the operation settles; if it throws, the error is swallowed.
 *
 * @example
 * auditLog((e) => logger.info(e), { attributes: ['caller'] })
 */
export function auditLog(sink: AuditSink, options: AuditLogOptions = {}): MiddlewareObject {
  if (typeof sink !== 'function') throw optionError('auditLog', 'sink must be a function (event) => void');
  const includeKeys = options.includeKeys === true;
  const names = options.attributes ?? [];
  const writesOnly = options.ops === 'writes';
  return {
    name: 'auditLog',
    async handle(ctx, next) {
      const time = Date.now();
      const t0 = performance.now();
      let outcome: 'ok' | 'error' = 'ok';
      let errorCode: string | undefined;
      try {
        return await next();
      } catch (e) {
        outcome = 'error';
        errorCode = isCacheError(e) ? e.code : 'UNKNOWN';
        throw e;
      } finally {
        if (!(writesOnly && outcome === 'ok' && READS.has(ctx.op))) {
          let attributes: Record<string, unknown> | undefined;
          if (names.length > 0) {
            attributes = {};
            for (const n of names) if (n in ctx.attributes) attributes[n] = ctx.attributes[n];
          }
          const keyCount = ctx.keys?.length ?? ctx.entries?.length ?? (ctx.key === undefined ? 0 : 1);
          try {
            sink({
              kind: 'operation',
              time,
              cache: ctx.cacheName,
              op: ctx.op,
              outcome,
              errorCode,
              severity: errorCode === undefined ? undefined : REFUSALS[errorCode],
              durationMs: performance.now() - t0,
              key: includeKeys ? ctx.key : undefined,
              keyCount,
              attributes,
            });
          } catch {
            // An audit sink must not change the outcome of the operation it records.
          }
        }
      }
    },
  };
}
