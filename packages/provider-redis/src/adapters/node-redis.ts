import type { BatchCommand, BatchResult, ErrorClass, RedisArg, RedisCommands, RedisNode } from '../commands.js';
import { keySlot } from '../key-slot.js';
import { classifyError } from './classify.js';

// RESP_TYPES.BLOB_STRING → Buffer, so values keep their bytes. A literal, not an import: `redis`
// is an optional peer and must not be loaded by this package. `timeout: 0` turns off node-redis's
// own per-command timeout (5 s by default since v6) for the provider's commands: the provider
// already bounds every call with `commandTimeout`, and node-redis arms an `AbortSignal.timeout`
// plus listeners per command for its own — about a tenth of a cached read's client CPU.
const AS_BUFFERS = { typeMapping: { 36: Buffer }, timeout: 0 };

/** The part of a node-redis client the adapter uses (structural: `redis` is an optional peer). */
export interface NodeRedisClientLike {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  sendCommand(args: RedisArg[], options?: object): Promise<unknown>;
}

/** The part of a node-redis cluster the adapter uses. */
export interface NodeRedisClusterLike {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  sendCommand(
    firstKey: RedisArg | undefined,
    isReadonly: boolean | undefined,
    args: RedisArg[],
    options?: object,
  ): Promise<unknown>;
  readonly masters: readonly unknown[];
  /** Per slot, its master (and replicas); `address` is `host:port`. */
  readonly slots?: readonly ({ readonly master?: { readonly address?: string } } | undefined)[];
  nodeClient(node: never): Promise<NodeRedisClientLike> | NodeRedisClientLike;
}

/** True for a node-redis (v5+) client or cluster (duck-typed). */
export function isNodeRedis(client: unknown): client is NodeRedisClientLike | NodeRedisClusterLike {
  const c = client as Partial<NodeRedisClientLike> | null;
  return typeof c === 'object' && c !== null && typeof c.sendCommand === 'function' && typeof c.isOpen === 'boolean';
}

function isCluster(client: NodeRedisClientLike | NodeRedisClusterLike): client is NodeRedisClusterLike {
  return typeof (client as Partial<NodeRedisClusterLike>).nodeClient === 'function';
}

/** The command interface over node-redis. */
export function nodeRedisCommands(client: NodeRedisClientLike | NodeRedisClusterLike): RedisCommands {
  const cluster = isCluster(client) ? client : undefined;
  const send = cluster
    ? (key: string | undefined, args: readonly RedisArg[]) => cluster.sendCommand(key, false, [...args], AS_BUFFERS)
    : (_key: string | undefined, args: readonly RedisArg[]) =>
        (client as NodeRedisClientLike).sendCommand([...args], AS_BUFFERS);
  return {
    library: 'node-redis',
    isCluster: cluster !== undefined,
    send,
    async batch(commands: readonly BatchCommand[]): Promise<BatchResult[]> {
      // node-redis writes every command issued in the same tick in one socket write (auto-pipelining).
      const settled = await Promise.allSettled(commands.map((c) => send(c.key, c.args)));
      return settled.map((s) =>
        s.status === 'fulfilled' ? { ok: true, value: s.value } : { ok: false, error: s.reason },
      );
    },
    async masters(): Promise<RedisNode[]> {
      if (cluster === undefined) return [{ send: (args) => send(undefined, args) }];
      const nodes = await Promise.all(cluster.masters.map((m) => cluster.nodeClient(m as never)));
      return nodes.map((n) => ({ send: (args: readonly RedisArg[]) => n.sendCommand([...args], AS_BUFFERS) }));
    },
    // Not ready: closed, reconnecting, or still connecting. node-redis cannot tell a first attempt
    // from a failing one without listening to the client's events, so every call fails fast until
    // it is ready: `await client.connect()` first, as node-redis's own examples do.
    readiness: () => (client.isReady ? 'ready' : 'down'),
    connectionState: () => `isOpen ${client.isOpen}, isReady ${client.isReady}`,
    classify: (error: unknown): ErrorClass => classifyError(error),
    ...(cluster === undefined ? {} : { nodeOf: (key: string) => cluster.slots?.[keySlot(key)]?.master?.address }),
  };
}
