import { setTimeout as sleep } from 'node:timers/promises';
import type { KeyLayout } from './key-layout.js';
import type { RedisExecutor, Site } from './redis-executor.js';

/** CAS losses after which an update waits for the key's ticket. */
const TICKET_AFTER_LOSSES = 2;
/** Lease of an update ticket, in ms: how long a stalled holder can delay other updaters. */
const TICKET_MS = 2000;
/** Bound on the per-key bookkeeping of one store. */
const MAX_TRACKED = 10_000;

/**
 * Fairness for `update` across processes. Optimistic compare-and-set alone lets a busy process win
 * again and again while another starves into `CONFLICT`. So a loser pauses briefly, and after
 * `TICKET_AFTER_LOSSES` losses takes the key's ticket (`SET NX PX`): while it is held, the WRITE
 * script lets only its holder's CAS succeed, so the process that waited goes next. The ticket
 * orders writers; correctness still rests on the version check.
 */
export class UpdateTickets {
  readonly #exec: RedisExecutor;
  readonly #layout: KeyLayout;
  readonly #site: (key: string) => Site;
  readonly #losses = new Map<string, number>();
  readonly #held = new Map<string, string>();

  constructor(exec: RedisExecutor, layout: KeyLayout, site: (key: string) => Site) {
    this.#exec = exec;
    this.#layout = layout;
    this.#site = site;
  }

  /** Whether `beforeRead` has anything to do (checked first, so the common update awaits nothing). */
  mustWait(key: string): boolean {
    return this.#losses.size !== 0 && (this.#losses.get(key) ?? 0) >= TICKET_AFTER_LOSSES && !this.#held.has(key);
  }

  /** Before reading for an update: wait (bounded) for the ticket once this process kept losing. */
  async beforeRead(key: string, newToken: () => string): Promise<void> {
    if (!this.mustWait(key)) return;
    const t = this.#layout.updateTicket(key);
    const token = newToken();
    const deadline = Date.now() + TICKET_MS;
    for (;;) {
      const r = await this.#exec.send(this.#site(key), t, ['SET', t, token, 'NX', 'PX', String(TICKET_MS)]);
      if (r !== null) {
        if (this.#held.size >= MAX_TRACKED) this.#held.clear();
        this.#held.set(key, token);
        return;
      }
      // A holder that died or whose updater threw frees the ticket by expiry; then go on optimistically.
      if (Date.now() >= deadline) return;
      await sleep(2 + Math.random() * 8, undefined, { ref: false });
    }
  }

  /** A successful CAS: forget the key (the script spent the ticket, if any). Synchronous. */
  #settled(key: string): void {
    if (this.#losses.size !== 0) this.#losses.delete(key);
    if (this.#held.size !== 0) this.#held.delete(key);
  }

  /** After the CAS, when it succeeded: the synchronous part of `afterCas`. */
  won(key: string): void {
    this.#settled(key);
  }

  /** The token to send with the CAS (`''` when this process holds no ticket for `key`). */
  token(key: string): string {
    return this.#held.get(key) ?? '';
  }

  /** After the CAS: forget on success (the script spent the ticket); pause a loser without a ticket. */
  async afterCas(key: string, ok: boolean): Promise<void> {
    if (ok) {
      this.#settled(key);
      return;
    }
    const n = (this.#losses.get(key) ?? 0) + 1;
    if (this.#losses.size >= MAX_TRACKED) this.#losses.clear();
    this.#losses.set(key, n);
    if (!this.#held.has(key)) await sleep(Math.random() * Math.min(2 ** n, 20), undefined, { ref: false });
  }
}
