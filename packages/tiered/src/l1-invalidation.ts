/**
 * The invalidation side of a tiered store: dropping L1 copies (this store's, its siblings' in this
 * process, on messages from other processes), publishing this store's changes, and failing closed
 * while the bus is down. The store's reads and writes consult `guard` to know whether L1 may be
 * trusted and whether a fill is still current.
 */
import type { Invalidation, InvalidationBus, InvalidationMessage } from '@gocache/core';
import { compileGlob, storeError } from '@gocache/core';
import type { CompleteStore } from '@gocache/core/store-kit';
import { L1Guard } from './l1-guard.js';

/** An L1 that answers asynchronously must not leave a rejection unhandled (its next read fails instead). */
function quiet(v: unknown): void {
  if (v instanceof Promise) v.catch(() => {});
}

/** The invalidation side of the stores of one bus in this process, by cache name: they never hear each other over the bus. */
export type Siblings = Map<string, Set<L1Invalidation>>;

/** One tiered store's L1 upkeep and its link to the bus. */
export class L1Invalidation {
  /** Whether L1 may serve, and whether a fill started at a ticket is still current. */
  readonly guard: L1Guard;
  readonly #name: string;
  readonly #l1: CompleteStore<unknown>;
  readonly #bus: InvalidationBus;
  readonly #siblings: Siblings;
  readonly #unsubscribe: () => void;
  #closed = false;

  constructor(name: string, l1: CompleteStore<unknown>, bus: InvalidationBus, siblings: Siblings) {
    this.#name = name;
    this.#l1 = l1;
    this.#bus = bus;
    this.#siblings = siblings;
    this.guard = new L1Guard(bus.state);
    let group = siblings.get(name);
    if (group === undefined) siblings.set(name, (group = new Set()));
    group.add(this);
    this.#unsubscribe = bus.subscribe({
      onMessage: (m) => this.#onMessage(m),
      onState: (s) => this.#onState(s),
    });
    // The bus may have come up between reading its state and subscribing.
    if (bus.state !== 'down') this.#onState(bus.state);
  }

  /** Apply an invalidation to this store's L1. */
  drop(what: Invalidation): void {
    switch (what.kind) {
      case 'keys':
        this.guard.keys(what.keys);
        quiet(this.#l1.deleteMany(what.keys));
        return;
      case 'patterns':
        this.guard.all();
        for (const p of what.patterns) quiet(this.#l1.deleteByPattern(compileGlob(p)));
        return;
      case 'all':
        this.guard.all();
        quiet(this.#l1.clear());
        return;
    }
  }

  /** Sibling stores share this process's bus origin, so they hear nothing: tell them directly. */
  dropInSiblings(what: Invalidation): void {
    const group = this.#siblings.get(this.#name);
    if (group === undefined || group.size < 2) return;
    for (const s of group) if (s !== this) s.drop(what);
  }

  /** `drop` here and in the siblings. */
  dropHere(what: Invalidation): void {
    this.drop(what);
    this.dropInSiblings(what);
  }

  /** Tell the other processes; a failure is `UNAVAILABLE` (the L2 change did happen). */
  async publish(what: Invalidation): Promise<void> {
    try {
      await this.#bus.publish(this.#name, what);
    } catch (e) {
      throw storeError(
        'UNAVAILABLE',
        'the write reached L2 but its invalidation could not be published: other processes may serve their L1 copy for up to l1Ttl; retry the operation',
        e,
      );
    }
  }

  /** Stop listening and leave the siblings. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    const group = this.#siblings.get(this.#name);
    group?.delete(this);
    if (group?.size === 0) this.#siblings.delete(this.#name);
  }

  #onMessage(m: InvalidationMessage): void {
    if (m.cache !== this.#name || this.#closed) return;
    this.drop(m.invalidation);
  }

  #onState(state: 'up' | 'down'): void {
    this.guard.setState(state);
    // Fail closed: messages may have been missed while down, so nothing in L1 can be trusted.
    if (state === 'down') quiet(this.#l1.clear());
  }
}
