import { CacheError, type Invalidation } from '@gocache/core';

/** One message on the channel, as JSON. */
export interface Wire {
  /** origin */
  o: string;
  /** sequence number of the origin: its own echo, and what other buses of its process wait for */
  i: number;
  /** cache name ('' for probes) */
  c: string;
  /** kind */
  k: 'keys' | 'patterns' | 'all' | 'probe';
  /** keys or patterns */
  v?: string[];
}

/** A message a store's script publishes itself, inside the step that makes the change it announces. */
export interface BusMessage {
  readonly channel: string;
  readonly message: string;
}

/** The bus's failures are `UNAVAILABLE`: the operation that published reports them. */
export function busError(message: string, cause?: unknown): CacheError {
  return new CacheError('UNAVAILABLE', message, { cacheName: '', op: 'bus', cause });
}

/** A message from the channel, or `undefined` for anything malformed (ignored, never thrown). */
export function decodeWire(raw: string): Wire | undefined {
  let m: unknown;
  try {
    m = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const w = m as Partial<Wire> | null;
  if (typeof w !== 'object' || w === null || typeof w.o !== 'string' || typeof w.c !== 'string') return undefined;
  if (typeof w.i !== 'number') return undefined;
  if (w.k === 'keys' || w.k === 'patterns') {
    if (!Array.isArray(w.v) || !w.v.every((s) => typeof s === 'string')) return undefined;
  } else if (w.k !== 'all' && w.k !== 'probe') return undefined;
  return w as Wire;
}

/** The invalidation a (non-probe) message carries. */
export function wireInvalidation(w: Wire): Invalidation {
  if (w.k === 'keys') return { kind: 'keys', keys: w.v! };
  if (w.k === 'patterns') return { kind: 'patterns', patterns: w.v! };
  return { kind: 'all' };
}
