import type { BatchCommand, BatchResult, ErrorClass, RedisArg, RedisCommands, RedisNode } from '../commands.js';
import { classifyError } from './classify.js';

/** The part of an ioredis `Redis` or `Cluster` the adapter uses (structural: ioredis is an optional peer). */
export interface IoredisLike {
  status: string;
  isCluster?: boolean;
  options?: { keyPrefix?: string | undefined } | undefined;
  callBuffer(command: string, ...args: (string | Buffer | number)[]): Promise<unknown>;
  pipeline(): {
    callBuffer(command: string, ...args: (string | Buffer | number)[]): unknown;
    exec(): Promise<[Error | null, unknown][] | null>;
  };
  nodes?(role?: 'master' | 'slave' | 'all'): IoredisLike[];
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

/** The command interface over ioredis. */
export function ioredisCommands(client: IoredisLike): RedisCommands {
  const isCluster = client.isCluster === true;
  let everReady = false;
  const send = (args: readonly RedisArg[]): Promise<unknown> => {
    const [cmd, ...rest] = args;
    return client.callBuffer(cmd as string, ...rest);
  };
  return {
    library: 'ioredis',
    isCluster,
    send: (_key, args) => send(args),
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
      for (const c of commands) {
        const [cmd, ...rest] = c.args;
        p.callBuffer(cmd as string, ...rest);
      }
      const replies = (await p.exec()) ?? [];
      return replies.map(([error, value]) => (error === null ? { ok: true, value } : { ok: false, error }));
    },
    async masters(): Promise<RedisNode[]> {
      if (!isCluster) return [{ send }];
      return (client.nodes?.('master') ?? []).map((node) => ({
        send: (args: readonly RedisArg[]) => {
          const [cmd, ...rest] = args;
          return node.callBuffer(cmd as string, ...rest);
        },
      }));
    },
    readiness() {
      if (client.status === 'ready') {
        everReady = true;
        return 'ready';
      }
      if (everReady || client.status === 'end' || client.status === 'disconnecting') return 'down';
      return 'starting';
    },
    classify: (error: unknown): ErrorClass => classifyError(error),
  };
}
