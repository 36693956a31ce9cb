import { isIoredis } from './adapters/ioredis.js';
import { isNodeRedis } from './adapters/node-redis.js';

/** What a link reports about its subscriber connection. */
interface LinkEvents {
  message(raw: string): void;
  /** The subscriber connection dropped (messages may be lost until it is back). */
  down(): void;
  /** The subscriber connection is connected again (the library resubscribes; the bus verifies). */
  ready(): void;
}

/** Publishing on the user's client, subscribing on a duplicate connection of its own. */
export interface BusLink {
  publish(channel: string, message: string): Promise<unknown>;
  /** Make the subscriber connection and subscribe. */
  open(channel: string, events: LinkEvents): Promise<void>;
  /** True once the subscriber connection will not come back by itself. */
  dead(): boolean;
  /** Close the subscriber connection (never the user's client). */
  close(): void;
}

type Listener = (...args: never[]) => void;
interface Emitter {
  on(event: string, listener: Listener): unknown;
}
interface IoredisPubSub extends Emitter {
  status: string;
  duplicate(): IoredisPubSub;
  publish(channel: string, message: string): Promise<unknown>;
  subscribe(channel: string): Promise<unknown>;
  disconnect(): void;
}
interface NodeRedisPubSub extends Emitter {
  readonly isOpen: boolean;
  duplicate(): NodeRedisPubSub;
  connect(): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
  destroy?(): unknown;
  disconnect?(): unknown;
  close?(): unknown;
}

function ioredisLink(client: IoredisPubSub): BusLink {
  let sub: IoredisPubSub | undefined;
  let ended = false;
  return {
    publish: (channel, message) => client.publish(channel, message),
    async open(channel, events) {
      // ioredis: `duplicate()` copies the options (also for a Cluster) and resubscribes on reconnect.
      const s = client.duplicate();
      sub = s;
      s.on('error', () => {
        // Reported through 'close'/'end'; without a listener ioredis would log every failed attempt.
      });
      s.on('message', ((ch: string, message: string) => {
        if (ch === channel) events.message(message);
      }) as Listener);
      s.on('close', events.down);
      s.on('reconnecting', events.down);
      s.on('end', () => {
        ended = true;
        events.down();
      });
      s.on('ready', events.ready);
      await s.subscribe(channel);
    },
    dead: () => ended || sub?.status === 'end',
    close() {
      ended = true;
      sub?.disconnect();
    },
  };
}

function nodeRedisLink(client: NodeRedisPubSub): BusLink {
  let sub: NodeRedisPubSub | undefined;
  let closed = false;
  return {
    publish: (channel, message) => client.publish(channel, message),
    async open(channel, events) {
      // node-redis: `duplicate()` makes an unconnected client (or cluster) with the same options; it
      // resubscribes on reconnect when its reconnect strategy allows one.
      const s = client.duplicate();
      sub = s;
      s.on('error', events.down);
      s.on('end', events.down);
      s.on('reconnecting', events.down);
      s.on('ready', events.ready);
      await s.connect();
      await s.subscribe(channel, (message) => events.message(message));
    },
    dead: () => closed || (sub !== undefined && !sub.isOpen),
    close() {
      closed = true;
      const s = sub;
      if (s === undefined || !s.isOpen) return;
      try {
        if (typeof s.destroy === 'function') s.destroy();
        else if (typeof s.disconnect === 'function') void Promise.resolve(s.disconnect()).catch(() => {});
        else void Promise.resolve(s.close?.()).catch(() => {});
      } catch {
        // already closing
      }
    },
  };
}

/** The link for an ioredis or node-redis client or cluster; `undefined` for anything else. */
export function busLink(client: unknown): BusLink | undefined {
  const c = client as { duplicate?: unknown; publish?: unknown } | null;
  if (typeof c?.duplicate !== 'function' || typeof c.publish !== 'function') return undefined;
  if (isIoredis(client) || (client as { isCluster?: unknown }).isCluster === true) {
    return ioredisLink(client as unknown as IoredisPubSub);
  }
  if (isNodeRedis(client)) return nodeRedisLink(client as unknown as NodeRedisPubSub);
  return undefined;
}
