import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type BusListener,
  type BusState,
  CacheError,
  type Invalidation,
  type InvalidationBus,
  type InvalidationMessage,
} from '@gocache/core';
import { type BusLink, busLink } from './bus-link.js';
import { type BusMessage, decodeWire, busError as fail, type Wire, wireInvalidation } from './bus-wire.js';
import { EchoWatch } from './echo-watch.js';
import { KeyBatches } from './key-batches.js';
import { SeenLog } from './seen-log.js';

/** Options of `redisBus`. */
export interface RedisBusOptions<C = unknown> {
  /**
   * An ioredis `Redis`/`Cluster` or a node-redis client/cluster you own. Messages are published on
   * it; the bus subscribes on a connection of its own (`client.duplicate()`), which it closes on
   * `close()`. Your client is never closed.
   */
  client: C;
  /**
   * The pub/sub channel. Every process of one deployment must use the same one.
   * @default 'gocache:invalidation'
   */
  channel?: string | undefined;
  /**
   * How long a published message may take to come back through the bus's own subscription before
   * the bus reports itself down (its subscription is lost; tiered caches then fail closed), in ms.
   * `publish` itself does not wait for it.
   * @default 2000
   */
  publishTimeoutMs?: number | undefined;
}

const PROBE_RETRY_MS = 100;

/** Every open bus of this process, by channel: a publish waits for the others on the same server. */
const local = new Map<string, Set<RedisBus>>();
/** A probe published before the library resubscribed never comes back: retry soon. */
const PROBE_TIMEOUT_MS = 250;

/**
 * An `InvalidationBus` over Redis pub/sub, for `@gocache/tiered`. One channel carries every
 * cache's invalidations as small JSON messages; each process subscribes on a connection of its own
 * (`client.duplicate()`) and ignores its own messages.
 *
 * - **State**: `'up'` only once a probe published on your client came back through the
 *   subscription (so a subscription is proven, not assumed); `'down'` as soon as the subscriber
 *   connection drops, is killed (`CLIENT KILL TYPE pubsub`) or a publish does not come back in
 *   `publishTimeoutMs`. While down the bus probes every 100 ms and reports `'up'` again once the
 *   client library has reconnected and resubscribed (a subscriber whose library gave up is made
 *   anew).
 * - **publish** resolves once Redis accepted the `PUBLISH` — on a single server it has then queued
 *   the message to every subscriber; a cluster forwards it to its other nodes right after — and
 *   every other bus of this process on the same server has received it too (waiting at most 50 ms
 *   for each). It rejects with `UNAVAILABLE` when the `PUBLISH` fails. It does not wait for its own
 *   message to come back: that echo is watched in the background, and one that does not come back
 *   within `publishTimeoutMs` reports the bus down (its subscription is lost). Keys published in
 *   the same tick (writes completing together) share one message.
 * - **Cluster** (ioredis `Cluster`, node-redis cluster): regular (not sharded) pub/sub, which Redis
 *   Cluster forwards to every node; both libraries subscribe through one node and move the
 *   subscription when that node fails.
 *
 * @example const bus = redisBus({ client }); // client: ioredis or node-redis, standalone or cluster
 */
export function redisBus<C>(options: RedisBusOptions<C>): InvalidationBus {
  const link0 = busLink(options?.client);
  if (link0 === undefined) {
    throw new CacheError(
      'INVALID_ARGUMENT',
      'redisBus needs { client }: an ioredis Redis/Cluster or a node-redis client/cluster (with duplicate() and publish())',
      { cacheName: '', op: 'redisBus' },
    );
  }
  const channel = options.channel ?? 'gocache:invalidation';
  if (typeof channel !== 'string' || channel.length === 0) {
    throw new CacheError('INVALID_ARGUMENT', `redisBus: channel must be a non-empty string, got ${String(channel)}`, {
      cacheName: '',
      op: 'redisBus',
    });
  }
  const publishTimeoutMs = options.publishTimeoutMs ?? 2000;
  if (!(Number.isFinite(publishTimeoutMs) && publishTimeoutMs > 0)) {
    throw new CacheError(
      'INVALID_ARGUMENT',
      `redisBus: publishTimeoutMs must be a positive number of milliseconds, got ${String(publishTimeoutMs)}`,
      { cacheName: '', op: 'redisBus' },
    );
  }
  return new RedisBus(options.client, channel, publishTimeoutMs);
}

export class RedisBus implements InvalidationBus {
  readonly origin = randomBytes(9).toString('base64url');
  state: BusState = 'down';
  readonly #client: unknown;
  readonly #channel: string;
  readonly #timeoutMs: number;
  readonly #listeners = new Set<BusListener>();
  /** Probes waiting for their echo (a probe is awaited; a publish is only watched: `#watch`). */
  readonly #pending = new Map<number, { resolve(): void; reject(e: Error): void }>();
  readonly #watch: EchoWatch;
  readonly #batches = new KeyBatches((cache, keys) => this.#dispatch(cache, 'keys', keys));
  /** How every message of this bus starts on the wire, up to its number (see `#onMessage`). */
  readonly #ownHead: string;
  readonly #upWaiters = new Set<() => void>();
  #link: BusLink | undefined;
  #seq = 0;
  #probing = false;
  #closed = false;
  #everUp = false;
  /** Bumped on every new link, so events of a replaced link are ignored. */
  #generation = 0;
  /** Per other origin, the last message number received from it (probes included). */
  readonly #seen = new SeenLog();

  constructor(client: unknown, channel: string, timeoutMs: number) {
    this.#client = client;
    this.#channel = channel;
    this.#timeoutMs = timeoutMs;
    this.#watch = new EchoWatch(timeoutMs, () => this.#down());
    this.#ownHead = `{"o":${JSON.stringify(this.origin)},"i":`;
  }

  subscribe(listener: BusListener): () => void {
    if (this.#closed) throw fail('this redisBus was closed; create a new one');
    this.#listeners.add(listener);
    if (this.#link === undefined) {
      let group = local.get(this.#channel);
      if (group === undefined) local.set(this.#channel, (group = new Set()));
      group.add(this);
      this.#connect();
    }
    // The subscription stays until close(): caches come and go, reconnecting for each would not pay.
    return () => void this.#listeners.delete(listener);
  }

  ready(timeoutMs = 10_000): Promise<void> {
    if (this.state === 'up') return Promise.resolve();
    if (this.#closed) return Promise.reject(fail('this redisBus was closed'));
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#upWaiters.delete(done);
        reject(fail(`redisBus did not subscribe within ${timeoutMs} ms (is Redis reachable?)`));
      }, timeoutMs);
      this.#upWaiters.add(done);
    });
  }

  publish(cache: string, invalidation: Invalidation): Promise<void> {
    if (this.#closed) return Promise.reject(fail('this redisBus was closed; create a new one'));
    // Keys published in the same tick travel together (see key-batches.ts).
    if (invalidation.kind === 'keys') return this.#batches.add(cache, invalidation.keys);
    // Patterns and "all" go at once, after the keys already waiting (nothing overtakes them).
    this.#batches.flush();
    return this.#dispatch(
      cache,
      invalidation.kind,
      invalidation.kind === 'patterns' ? [...invalidation.patterns] : undefined,
    );
  }

  /** One message now. */
  #dispatch(cache: string, kind: Wire['k'], values: string[] | undefined): Promise<void> {
    if (this.#closed) return Promise.reject(fail('this redisBus was closed; create a new one'));
    // The usual case, up and proven: no async frame of its own (a write publishes on every call).
    if (this.#everUp && this.state === 'up' && this.#link !== undefined) {
      const raw = this.#next(cache, kind, values);
      return this.#sendWatched(this.#seq, raw);
    }
    return this.#send(cache, kind, values);
  }

  /** Whether `client` is the client this bus publishes on (then a store on it shares our server). */
  publishesOn(client: unknown): boolean {
    return client === this.#client;
  }

  /**
   * A change of `key` that publishes its invalidation itself, inside its own step on the server
   * (`Store.publishingWrites`): `step` gets the message for its script and resolves to its result;
   * `published(result)` says whether the script sent it (a write that did not write sends
   * nothing). The message is numbered and watched like any publish. While this bus is not up and
   * proven, `step` gets no message and the invalidation is published the usual way after it, when
   * `published` says it would have been.
   */
  viaStep<R>(
    cache: string,
    key: string,
    step: (m: BusMessage | undefined) => Promise<R>,
    published: (result: R) => boolean,
  ): Promise<R> {
    if (this.#closed || !this.#everUp || this.state !== 'up' || this.#link === undefined) {
      return step(undefined).then((r) =>
        published(r) ? this.publish(cache, { kind: 'keys', keys: [key] }).then(() => r) : r,
      );
    }
    const message = this.#next(cache, 'keys', [key]);
    const i = this.#seq;
    this.#watch.watch(i);
    return step({ channel: this.#channel, message }).then(
      (r) => {
        if (!published(r)) {
          this.#watch.unwatch(i);
          return r;
        }
        const local = this.#deliveredLocally(i);
        return local === undefined ? r : local.then(() => r);
      },
      (e: unknown) => {
        // Unknown outcome: an echo may still come (harmless), or not (then nothing waits for it).
        this.#watch.unwatch(i);
        throw e;
      },
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    const group = local.get(this.#channel);
    group?.delete(this);
    if (group?.size === 0) local.delete(this.#channel);
    this.#disconnect();
  }

  async #send(cache: string, kind: Wire['k'], v: string[] | undefined): Promise<void> {
    if (!this.#everUp && this.#link !== undefined) {
      // Still making its first subscription (a cache used at once): wait for it, so that this
      // message is watched like every later one and numbered after the first probe (which teaches
      // this process's other buses to wait for ours).
      await this.ready(this.#timeoutMs).catch(() => {});
    }
    const raw = this.#next(cache, kind, v);
    const i = this.#seq;
    if (this.state !== 'up' || this.#link === undefined) {
      // Our own subscription cannot confirm delivery: still tell the others (best effort).
      try {
        await (this.#link ?? busLink(this.#client)!).publish(this.#channel, raw);
      } catch (e) {
        throw fail('could not publish the invalidation (Redis unreachable)', e);
      }
      return;
    }
    await this.#sendWatched(i, raw);
  }

  /** The next message on the wire, numbered now: the others compare numbers, so they must grow in the order sent. */
  #next(cache: string, kind: Wire['k'], v: string[] | undefined): string {
    const i = ++this.#seq;
    const wire: Wire =
      v === undefined ? { o: this.origin, i, c: cache, k: kind } : { o: this.origin, i, c: cache, k: kind, v };
    return JSON.stringify(wire);
  }

  /**
   * A message while the bus is up, watched for its echo. The echo is a watchdog, not something to
   * wait for: when Redis answers PUBLISH it has already queued the message to every subscriber (a
   * cluster forwards it to the other nodes after that), so the echo would confirm nothing more
   * about the other processes. What it proves is this bus's own subscription: if it does not come
   * back within publishTimeoutMs the bus reports down and its caches fail closed — whether or not
   * this publish is still awaited.
   */
  #sendWatched(i: number, raw: string): Promise<void> {
    this.#watch.watch(i);
    return this.#link!.publish(this.#channel, raw).then(
      () => this.#deliveredLocally(i),
      (e: unknown) => {
        this.#watch.unwatch(i);
        throw fail('could not publish the invalidation (Redis unreachable)', e);
      },
    );
  }

  /**
   * Redis handed the message to every subscriber when it handed us ours, but this process may
   * read another bus's socket a moment later. Wait (briefly) until every other bus of this process
   * on the same server has seen it, so that a write is visible to all of this process's caches when
   * it returns, whichever bus they use. Buses are known to share a server once one has received a
   * message (a probe at least) from the other.
   */
  #deliveredLocally(i: number, everyBus = false): Promise<void> | undefined {
    // No promise when there is nothing to wait for (one bus in this process, the usual case).
    const group = local.get(this.#channel);
    if (group === undefined || group.size < 2) return undefined;
    const waits: Promise<void>[] = [];
    for (const other of group) {
      if (other === this || other.state !== 'up') continue;
      if (!everyBus && !other.#seen.has(this.origin) && !this.#seen.has(other.origin)) continue;
      waits.push(other.#seen.waitFor(this.origin, i, () => other.state === 'up'));
    }
    return waits.length > 0 ? Promise.all(waits).then(() => undefined) : undefined;
  }

  #echo(i: number, timeoutMs = this.#timeoutMs): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(i);
        reject(fail(`the bus's own message did not come back within ${timeoutMs} ms; subscription lost`));
        this.#down();
      }, timeoutMs);
      timer.unref?.();
      this.#pending.set(i, {
        resolve: () => {
          clearTimeout(timer);
          this.#pending.delete(i);
          resolve();
        },
        reject: (e) => {
          clearTimeout(timer);
          this.#pending.delete(i);
          reject(e);
        },
      });
    });
  }

  #connect(): void {
    const gen = ++this.#generation;
    const link = busLink(this.#client)!;
    this.#link = link;
    const live = () => gen === this.#generation && !this.#closed;
    // A 'ready' before the first subscribe completed would probe a channel not yet subscribed.
    let opened = false;
    link
      .open(this.#channel, {
        message: (raw) => {
          if (live()) this.#onMessage(raw);
        },
        down: () => {
          if (live()) this.#down();
        },
        ready: () => {
          if (live() && opened) void this.#probe();
        },
      })
      .then(
        () => {
          opened = true;
          if (live()) void this.#probe();
        },
        () => {
          opened = true;
          if (live()) void this.#probe();
        },
      );
  }

  #disconnect(): void {
    this.#generation++;
    this.#link?.close();
    this.#link = undefined;
    this.#down();
  }

  #down(): void {
    this.#watch.reset();
    for (const p of [...this.#pending.values()]) p.reject(fail('the bus connection went down'));
    if (this.state === 'down') return;
    this.state = 'down';
    this.#emitState('down');
    this.#seen.wake();
    if (this.#link !== undefined && !this.#closed) void this.#probe();
  }

  /** Until the subscription is proven by a probe coming back: probe, and remake a dead link. */
  async #probe(): Promise<void> {
    if (this.#probing) return;
    this.#probing = true;
    try {
      while (!this.#closed && this.state === 'down' && this.#link !== undefined) {
        const i = ++this.#seq;
        const echoed = this.#echo(i, Math.min(this.#timeoutMs, PROBE_TIMEOUT_MS));
        echoed.catch(() => {});
        try {
          await this.#link.publish(
            this.#channel,
            JSON.stringify({ o: this.origin, i, c: '', k: 'probe' } satisfies Wire),
          );
          await echoed;
          // The buses of this process that see this probe share our server: from now on our
          // publishes wait for them.
          await this.#deliveredLocally(i, true);
          if (this.#closed || this.#link === undefined) return;
          this.#everUp = true;
          this.state = 'up';
          this.#emitState('up');
          for (const w of [...this.#upWaiters]) w();
          this.#upWaiters.clear();
          return;
        } catch {
          this.#pending.get(i)?.reject(fail('probe failed'));
          await sleep(PROBE_RETRY_MS, undefined, { ref: false });
          if (this.#link?.dead() === true && !this.#closed) {
            this.#link.close();
            this.#connect();
          }
        }
      }
    } finally {
      this.#probing = false;
    }
  }

  #emitState(state: BusState): void {
    for (const l of [...this.#listeners]) {
      try {
        l.onState(state);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  #onMessage(raw: string): void {
    // Our own message back (one per publish): its number read straight off the wire, unparsed.
    if (raw.startsWith(this.#ownHead)) {
      const i = Number.parseInt(raw.slice(this.#ownHead.length, this.#ownHead.length + 16), 10);
      if (Number.isSafeInteger(i)) {
        this.#watch.echoed(i);
        this.#pending.get(i)?.resolve();
      }
      return;
    }
    const w = decodeWire(raw);
    if (w === undefined || w.o === this.origin) return;
    this.#seen.record(w.o, w.i);
    if (w.k === 'probe') {
      this.#seen.wake();
      return;
    }
    const invalidation = wireInvalidation(w);
    const message: InvalidationMessage = { cache: w.c, origin: w.o, invalidation };
    for (const l of [...this.#listeners]) {
      try {
        l.onMessage(message);
      } catch {
        // a listener's failure is its own
      }
    }
    this.#seen.wake();
  }
}
