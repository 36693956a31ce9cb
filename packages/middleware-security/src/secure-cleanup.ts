import type { CacheMetrics, EntryLeaveEvent, MiddlewareHost, MiddlewareObject, OperationContext } from '@gocache/core';
import type { AuditSink } from './audit-event.js';
import { optionError } from './options.js';
import { recordSecurityEvent } from './security-event.js';
import { type ByteRange, collectByteRanges, indexRanges, type WipeResult, wipeRanges } from './wipe.js';

/** Options of {@link secureCleanup}. */
export interface SecureCleanupOptions {
  /**
   * How many levels of arrays, objects, Maps and Sets below the value are searched for
   * Buffers/TypedArrays/ArrayBuffers. Cycles are handled at any depth.
   * @default 8
   */
  depth?: number | undefined;
  /**
   * Also send each cleanup to this audit sink (e.g. the same one given to `auditLog`).
   * @default undefined (security events on the cache's metrics only)
   */
  audit?: AuditSink | undefined;
}

const WRITES = new Set(['set', 'setMany', 'setIfExists', 'setIfNotExists', 'update', 'getOrSet']);

/**
 * Zero-fills the `Buffer`/`TypedArray`/`ArrayBuffer` contents reachable from a value when its entry
 * leaves the cache — delete, overwrite, expiry, eviction, `clear`, `close` — and records a
 * `secure_cleanup` security event (severity `info`). On an overwrite, byte ranges that the new
 * value still uses are never wiped (re-setting the same Buffer keeps it intact).
 *
 * Works where the provider holds values in-process (`capabilities.referenceValues`, e.g. the
 * memory provider). With Redis there is no in-process value to wipe: it does nothing there, and
 * the entry's index references are removed by the provider itself. JS strings are immutable and
 * cannot be wiped: store secrets as Buffers.
 */
export function secureCleanup(options: SecureCleanupOptions = {}): MiddlewareObject {
  const depth = options.depth ?? 8;
  if (!Number.isSafeInteger(depth) || depth < 0) {
    throw optionError('secureCleanup', `depth must be a whole number ≥ 0, got ${String(depth)}`);
  }
  const audit = options.audit;
  let cacheName = '?';
  let metrics: CacheMetrics | undefined;
  let writesInFlight = 0;
  // Old values of overwrites, held until the write that replaced them tells us the new value.
  const pending = new Map<string, unknown[]>();

  const report = (reason: EntryLeaveEvent['reason'], r: WipeResult, type = 'secure_cleanup') => {
    recordSecurityEvent(metrics, cacheName, type, type === 'secure_cleanup' ? 'info' : 'low', {
      reason,
      wiped: r.wiped,
      bytes: r.bytes,
      kept: r.kept,
    });
    if (audit !== undefined && type === 'secure_cleanup') {
      try {
        audit({ kind: 'secure_cleanup', time: Date.now(), cache: cacheName, reason, ...r });
      } catch {
        // The sink's failure must not stop the wipe of the next entry.
      }
    }
  };

  const flush = (ctx: OperationContext, result: unknown) => {
    const keep: ByteRange[] = [];
    const keys: string[] = [];
    if (ctx.key !== undefined) keys.push(ctx.key);
    if (ctx.keys !== undefined) keys.push(...ctx.keys);
    if (ctx.value !== undefined) keep.push(...collectByteRanges(ctx.value, depth));
    if (ctx.entries !== undefined) {
      for (const [k, v] of ctx.entries) {
        keys.push(k);
        keep.push(...collectByteRanges(v, depth));
      }
    }
    if (ctx.op === 'update' || ctx.op === 'getOrSet') keep.push(...collectByteRanges(result, depth));
    const keepIdx = indexRanges(keep);
    for (const k of keys) {
      const olds = pending.get(k);
      if (olds === undefined) continue;
      pending.delete(k);
      for (const old of olds) report('replaced', wipeRanges(collectByteRanges(old, depth), keepIdx));
    }
    if (writesInFlight === 0 && pending.size > 0) {
      // An overwrite no write of ours claimed: its new value is unknown, so wiping could zero live data.
      for (const olds of pending.values()) {
        for (const _ of olds) report('replaced', { wiped: 0, bytes: 0, kept: 0 }, 'secure_cleanup_skipped');
      }
      pending.clear();
    }
  };

  return {
    name: 'secureCleanup',
    attach(host: MiddlewareHost) {
      cacheName = host.cacheName;
      metrics = host.metrics;
    },
    async handle(ctx, next) {
      if (!WRITES.has(ctx.op)) return next();
      writesInFlight++;
      let result: unknown;
      try {
        result = await next();
        return result;
      } finally {
        writesInFlight--;
        flush(ctx, result);
      }
    },
    onEntryLeave(event) {
      if (event.value === undefined) return;
      if (event.reason === 'replaced') {
        if (writesInFlight > 0) {
          const list = pending.get(event.key);
          if (list === undefined) pending.set(event.key, [event.value]);
          else list.push(event.value);
        } else {
          report('replaced', { wiped: 0, bytes: 0, kept: 0 }, 'secure_cleanup_skipped');
        }
        return;
      }
      report(event.reason, wipeRanges(collectByteRanges(event.value, depth)));
    },
    onClose() {
      pending.clear();
    },
  };
}
