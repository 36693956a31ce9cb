import type { EntryLeaveEvent, LeaveReason } from '../middleware.js';

/**
 * Leave events in the order the SPI specifies: **after** the operation that caused them is
 * complete. A store queues an event where an entry leaves (`add`) and calls `flush()` when the
 * operation is done (in a `finally`, so a write that throws after an entry expired still reports
 * it); the listener then sees the store in its final state and may call the store again. Events a
 * listener's own calls cause are sent after the ones already queued, once those calls completed.
 * A listener that throws does not stop the others, nor undo the operation.
 *
 * @example
 * const leave = new LeaveEvents(config.name, config.onLeave);
 * set(key, value, ttlMs) {
 *   try {
 *     const old = this.map.get(key);
 *     this.map.set(key, { value, expiresAt: clock.expiresAt(ttlMs) });
 *     if (old !== undefined) leave.add(key, 'replaced', old.value);
 *   } finally {
 *     leave.flush();
 *   }
 * }
 */
export class LeaveEvents {
  readonly #cacheName: string;
  readonly #onLeave: ((event: EntryLeaveEvent) => void) | undefined;
  #pending: EntryLeaveEvent[] = [];
  #flushing = false;

  constructor(cacheName: string, onLeave: ((event: EntryLeaveEvent) => void) | undefined) {
    this.#cacheName = cacheName;
    this.#onLeave = onLeave;
  }

  /** Whether anyone listens (`StoreConfig.onLeave` is set): when not, `add` is free and a store may skip collecting values. */
  get listening(): boolean {
    return this.#onLeave !== undefined;
  }

  /** Events queued and not yet sent. */
  get pending(): number {
    return this.#pending.length;
  }

  /** Queue the departure of `key`; sent by the next `flush()`. Nothing is kept when nobody listens. */
  add(key: string, reason: LeaveReason, value?: unknown): void {
    if (this.#onLeave === undefined) return;
    this.#pending.push({ cacheName: this.#cacheName, key, reason, value });
  }

  /**
   * Send every queued event, in the order queued. Call it once the operation is complete. Called
   * again from inside a listener (the listener's own store call), it returns at once: the outer
   * flush sends those events next, after the call that caused them has completed.
   */
  flush(): void {
    if (this.#flushing || this.#pending.length === 0) return;
    const onLeave = this.#onLeave!;
    this.#flushing = true;
    try {
      // The length is read each turn: listeners' own calls append while this runs.
      for (let i = 0; i < this.#pending.length; i++) {
        try {
          onLeave(this.#pending[i]!);
        } catch {
          // The store is consistent already; a failing listener must not abort the others.
        }
      }
    } finally {
      this.#pending = [];
      this.#flushing = false;
    }
  }
}
