/**
 * What the sweeper needs from a store. `C` is the store's cursor: a slot number, a `Map` iterator
 * (which stays valid while the map changes), a last key — anything that says where a pass stopped.
 */
export interface Sweepable<C> {
  /** Whether any entry can expire (if not, a tick or a write costs nothing). */
  hasExpiring(): boolean;
  /**
   * Examine up to `budget` entries from `cursor` (`undefined`: the start of a pass), removing and
   * reporting those expired at `now`. Returns where to go on, or `undefined` at the end of the pass.
   */
  sweep(cursor: C | undefined, budget: number, now: number): C | undefined;
  /**
   * A background batch is an operation of its own: send the leave events it queued (e.g.
   * `LeaveEvents.flush()`). A sweep during a write (`onWrite`) is part of that write, whose own
   * flush sends them once the whole write is complete.
   */
  afterSweep(): void;
}

/** Options of `ExpirySweeper`. */
export interface ExpirySweeperOptions {
  /** The store's clock (`StoreConfig.now`). */
  readonly now: () => number;
  /** Start a background pass this often (`StoreConfig.cleanupIntervalMs`); `undefined`: no timer, writes only. */
  readonly intervalMs: number | undefined;
  /** Entries a background pass examines per event-loop turn. @default 1000 */
  readonly batchSize?: number;
  /**
   * Entries each write examines (`onWrite`). Above 1, so reclaiming outruns inserting: a full pass
   * over N entries takes N / writeBudget writes, during which at most that many entries arrive, so
   * expired entries never exceed about 1 / (writeBudget − 1) of the live ones plus one pass's worth.
   * @default 4
   */
  readonly writeBudget?: number;
}

/**
 * Reclaims expired entries nobody reads, two ways. On a timer: every `intervalMs` a pass over the
 * store, `batchSize` entries per event-loop turn (continued with `setImmediate`), so a huge store
 * never blocks the loop. Both timers are `unref`'d: a cache never keeps the process alive. And
 * amortised on writes (`onWrite`): each write examines `writeBudget` entries from a cursor of its
 * own, so a loop that never yields to the event loop (and so never runs a timer) still reclaims
 * what expired, and the heap stays bounded. The store is held weakly: a store dropped without
 * `close()` can still be collected, and its sweeper then stops itself. Reads do not depend on it;
 * they check expiry themselves.
 */
export class ExpirySweeper<C> {
  readonly #store: WeakRef<Sweepable<C>>;
  readonly #now: () => number;
  readonly #batchSize: number;
  readonly #writeBudget: number;
  #interval: ReturnType<typeof setInterval> | undefined;
  #immediate: ReturnType<typeof setImmediate> | undefined;
  /** Where the timer's pass is; `undefined` between passes. */
  #cursor: C | undefined;
  #passing = false;
  /** Where the writes' endless pass is. */
  #writeCursor: C | undefined;

  constructor(store: Sweepable<C>, options: ExpirySweeperOptions) {
    this.#store = new WeakRef(store);
    this.#now = options.now;
    this.#batchSize = options.batchSize ?? 1000;
    this.#writeBudget = options.writeBudget ?? 4;
    if (options.intervalMs !== undefined) {
      this.#interval = setInterval(() => this.#startPass(), options.intervalMs);
      this.#interval.unref?.();
    }
  }

  /** True while a background pass is spread over several turns (for tests). */
  get sweeping(): boolean {
    return this.#immediate !== undefined;
  }

  /**
   * Call after every write, with the store itself (saves a weak-reference look-up per write) and
   * the clock value the write used: examines `writeBudget` entries and removes the expired ones.
   * Cheap when nothing can expire.
   */
  onWrite(store: Sweepable<C>, now: number): void {
    if (!store.hasExpiring()) return;
    this.#writeCursor = store.sweep(this.#writeCursor, this.#writeBudget, now);
  }

  /** Stop the timers (for `close()`); `onWrite` keeps working. Idempotent. */
  stop(): void {
    if (this.#interval !== undefined) clearInterval(this.#interval);
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#interval = undefined;
    this.#immediate = undefined;
    this.#cursor = undefined;
    this.#passing = false;
  }

  #startPass(): void {
    const store = this.#store.deref();
    if (store === undefined) {
      this.stop();
      return;
    }
    // A pass still running from the last tick keeps its cursor; a new one would restart it.
    if (this.#passing || !store.hasExpiring()) return;
    this.#passing = true;
    this.#cursor = undefined;
    this.#step();
  }

  #step(): void {
    this.#immediate = undefined;
    if (this.#interval === undefined) return;
    const store = this.#store.deref();
    if (store === undefined) {
      this.stop();
      return;
    }
    this.#cursor = store.sweep(this.#cursor, this.#batchSize, this.#now());
    store.afterSweep();
    if (this.#cursor === undefined) {
      this.#passing = false;
      return;
    }
    this.#immediate = setImmediate(() => this.#step());
    this.#immediate.unref?.();
  }
}

/**
 * `Sweepable.sweep` for a store that keeps its entries in a `Map`: the cursor is a `Map` iterator,
 * which stays valid while entries are added and deleted. `remove` removes one expired entry (and
 * queues its `expired` event).
 *
 * @example
 * sweep: (cursor, budget, now) => sweepMap(entries, cursor, budget, now, (key, e) => remove(key, e, 'expired')),
 */
export function sweepMap<E extends { readonly expiresAt: number }>(
  map: Map<string, E>,
  cursor: MapIterator<[string, E]> | undefined,
  budget: number,
  now: number,
  remove: (key: string, entry: E) => void,
): MapIterator<[string, E]> | undefined {
  const it = cursor ?? map.entries();
  for (let i = 0; i < budget; i++) {
    const next = it.next();
    if (next.done) return undefined;
    if (next.value[1].expiresAt <= now) remove(next.value[0], next.value[1]);
  }
  return it;
}
