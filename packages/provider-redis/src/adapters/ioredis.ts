import type { BatchCommand, BatchResult, ErrorClass, RedisArg, RedisCommands, RedisNode } from '../commands.js';
import { keySlot } from '../key-slot.js';
import { classifyError } from './classify.js';

type Call = (...args: RedisArg[]) => Promise<unknown>;

/** The part of an ioredis `Redis` or `Cluster` the adapter uses (structural: ioredis is an optional peer). */
export interface IoredisLike {
  status: string;
  isCluster?: boolean;
  options?: { keyPrefix?: string | undefined; enableOfflineQueue?: boolean | undefined } | undefined;
  callBuffer(command: string, ...args: (string | Buffer | number)[]): Promise<unknown>;
  pipeline(): {
    callBuffer(command: string, ...args: (string | Buffer | number)[]): unknown;
    exec(): Promise<[Error | null, unknown][] | null>;
  };
  nodes?(role?: 'master' | 'slave' | 'all'): IoredisLike[];
  /** Cluster: per slot, the node keys (`host:port`) serving it, master first. */
  slots?: readonly (readonly string[] | undefined)[];
}

/** True for an ioredis `Redis` or `Cluster` (duck-typed, so the library is never imported). */
export function isIoredis(client: unknown): client is IoredisLike {
  const c = client as Partial<IoredisLike> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.callBuffer === 'function' &&
    typeof c.pipeline === 'function' &&
    typeof c.status === 'string'
  );
}

const methodNames = new Map<string, string>();

/** `HGET` → `hgetBuffer`, memoised (the hot path sends a handful of distinct commands). */
function bufferMethodName(cmd: string): string {
  let name = methodNames.get(cmd);
  if (name === undefined) {
    name = `${cmd.toLowerCase()}Buffer`;
    methodNames.set(cmd, name);
  }
  return name;
}

/**
 * Send `args` (command name first) on `target` — a client, a cluster node or a pipeline — through
 * its `<command>Buffer` method, falling back to `callBuffer` for a command ioredis has no method
 * for. Why not always `callBuffer`: with `enableAutoPipelining: true`, ioredis 5.x/6.0 drops the
 * command name of `callBuffer` and sends the first argument as the command
 * (https://github.com/redis/ioredis/issues/1923); the named methods pipeline correctly.
 */
function invoke(target: object, args: readonly RedisArg[]): Promise<unknown> {
  const cmd = args[0] as string;
  const m = (target as Record<string, unknown>)[bufferMethodName(cmd)];
  if (typeof m === 'function') {
    // The hot reads (HGET key v, HMGET key v x, EXISTS key) without a copy of the arguments for `apply`.
    if (args.length === 3) return (m as Call).call(target, args[1]!, args[2]!);
    if (args.length === 4) return (m as Call).call(target, args[1]!, args[2]!, args[3]!);
    if (args.length === 2) return (m as Call).call(target, args[1]!);
    return (m as Call).apply(target, args.slice(1) as RedisArg[]);
  }
  return (target as IoredisLike).callBuffer(cmd, ...(args.slice(1) as RedisArg[]));
}

/**
 * Failed connection attempts since the client was last ready: ioredis's `retryAttempts` (a private
 * field in its typings, present in `Redis` and `Cluster` of ioredis 5 and 6; reset on `ready`).
 * Read defensively: without it, only the status tells a failing client from a starting one.
 */
function failedAttempts(client: IoredisLike): number {
  const n = (client as { retryAttempts?: unknown }).retryAttempts;
  return typeof n === 'number' ? n : 0;
}

/** The command interface over ioredis. */
export function ioredisCommands(client: IoredisLike): RedisCommands {
  const isCluster = client.isCluster === true;
  const send = (args: readonly RedisArg[]): Promise<unknown> => invoke(client, args);
  return {
    library: 'ioredis',
    isCluster,
    send: (_key, args) => invoke(client, args),
    async batch(commands: readonly BatchCommand[]): Promise<BatchResult[]> {
      if (commands.length === 0) return [];
      if (isCluster) {
        // A cluster pipeline must stay on one node; separate calls are still written back to back
        // to each node's connection without waiting for replies.
        const settled = await Promise.allSettled(commands.map((c) => send(c.args)));
        return settled.map((s) =>
          s.status === 'fulfilled' ? { ok: true, value: s.value } : { ok: false, error: s.reason },
        );
      }
      const p = client.pipeline();
      for (const c of commands) void invoke(p, c.args);
      const replies = (await p.exec()) ?? [];
      return replies.map(([error, value]) => (error === null ? { ok: true, value } : { ok: false, error }));
    },
    async masters(): Promise<RedisNode[]> {
      if (!isCluster) return [{ send }];
      return (client.nodes?.('master') ?? []).map((node) => ({
        send: (args: readonly RedisArg[]) => invoke(node, args),
      }));
    },
    readiness() {
      const status = client.status;
      if (status === 'ready') return 'ready';
      // The first connection attempt, before anything failed: ioredis holds commands until it is
      // ready (an application may use the client right after `new Redis()`). After a failed attempt
      // ('reconnecting', or 'connecting' with retryAttempts > 0), a lost connection, 'end', or with
      // the offline queue off, a command could only wait or be refused.
      const first = status === 'wait' || status === 'connecting' || status === 'connect';
      return first && !(failedAttempts(client) > 0) && client.options?.enableOfflineQueue !== false
        ? 'starting'
        : 'down';
    },
    connectionState: () => `status "${client.status}"`,
    classify: (error: unknown): ErrorClass => classifyError(error),
    ...(isCluster ? { nodeOf: (key: string) => client.slots?.[keySlot(key)]?.[0] } : {}),
  };
}
