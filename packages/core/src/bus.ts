/**
 * What an invalidation names: exact keys, glob patterns (Redis glob syntax, matched against the
 * user's keys as `compileGlob` does), or every entry of the cache. A reader drops exactly the L1
 * entries it names; `index` removals are sent as the keys they removed.
 */
export type Invalidation =
  | { readonly kind: 'keys'; readonly keys: readonly string[] }
  | { readonly kind: 'patterns'; readonly patterns: readonly string[] }
  | { readonly kind: 'all' };

/** One message on an `InvalidationBus`. */
export interface InvalidationMessage {
  /** The cache's name (its namespace): only caches of this name apply it. */
  readonly cache: string;
  /** The publishing bus's `origin`, so a process ignores its own messages. */
  readonly origin: string;
  readonly invalidation: Invalidation;
}

/**
 * The bus's connection, as a tiered store needs it to fail closed: `'down'` means messages may
 * have been missed (so in-process copies can no longer be trusted), `'up'` that the subscription
 * is (re)established and every message published from now on will be delivered.
 */
export type BusState = 'up' | 'down';

/** Receives a bus's messages and connection changes. */
export interface BusListener {
  /** A message from another process (a bus never delivers its own `origin`'s messages). */
  onMessage(message: InvalidationMessage): void;
  /** The connection went down, or is subscribed (`'up'`: the first subscription and every resubscription). */
  onState(state: BusState): void;
}

/**
 * Invalidations between processes that keep in-process copies of shared entries (the SPI of
 * `@gocache/tiered`; `redisBus` in `@gocache/provider-redis` implements it over pub/sub).
 * Delivery is at most once and may be late; a bus that may have lost messages says so with
 * `'down'`, and readers that cannot bound staleness otherwise must stop trusting their copies.
 */
export interface InvalidationBus {
  /** This process's id in messages (random per bus instance). */
  readonly origin: string;
  /** Current connection state; `'down'` before the first subscription is confirmed. */
  readonly state: BusState;
  /**
   * Send `invalidation` for cache `cache` to every other subscriber. Resolves once the backend
   * accepted it (not once it was delivered); rejects while the bus is down or closed.
   */
  publish(cache: string, invalidation: Invalidation): Promise<void>;
  /**
   * Start receiving messages and state changes (subscribing on first use). Returns the function
   * that stops this listener; the subscription itself lasts until `close()`.
   */
  subscribe(listener: BusListener): () => void;
  /** Resolves once the bus is `'up'` (subscribed), or rejects after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<void>;
  /** Unsubscribe and close what the bus opened; never a client the user owns. Idempotent. */
  close(): Promise<void>;
}
