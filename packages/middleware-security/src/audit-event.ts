import type { CacheOp, LeaveReason, SecuritySeverity } from '@gocache/core';

/** One operation as `auditLog` saw it. */
export interface OperationAuditEvent {
  readonly kind: 'operation';
  /** Epoch ms when the operation started. */
  readonly time: number;
  readonly cache: string;
  readonly op: CacheOp;
  readonly outcome: 'ok' | 'error';
  /** The `CacheError` code of a failed operation. */
  readonly errorCode?: string | undefined;
  /** Set for refusals: `ACCESS_DENIED` is `medium`, `RATE_LIMITED` is `low`. */
  readonly severity?: SecuritySeverity | undefined;
  readonly durationMs: number;
  /** The key as this layer sees it (an HMAC when `keyHashing` runs before `auditLog`); only with `includeKeys`. */
  readonly key?: string | undefined;
  /** How many keys a batch operation touched. */
  readonly keyCount?: number | undefined;
  /** The per-call attributes named in `auditLog`'s `attributes` option. */
  readonly attributes?: Readonly<Record<string, unknown>> | undefined;
}

/** `secureCleanup` wiped (or deliberately kept) the byte contents of an entry that left. */
export interface SecureCleanupAuditEvent {
  readonly kind: 'secure_cleanup';
  readonly time: number;
  readonly cache: string;
  readonly reason: LeaveReason;
  /** Buffers/typed arrays zero-filled. */
  readonly wiped: number;
  /** Bytes zero-filled. */
  readonly bytes: number;
  /** Buffers left alone because the new value of an overwrite still uses them. */
  readonly kept: number;
}

/** What an audit sink receives. */
export type AuditEvent = OperationAuditEvent | SecureCleanupAuditEvent;

/** Where audit events go (a logger, a queue). Must not throw; if it does, the error is swallowed. */
export type AuditSink = (event: AuditEvent) => void;
