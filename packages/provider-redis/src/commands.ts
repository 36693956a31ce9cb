/** An argument of a Redis command. */
export type RedisArg = string | Buffer;

/** One command of a batch; `key` routes it to its slot on a cluster. */
export interface BatchCommand {
  readonly key: string | undefined;
  readonly args: readonly RedisArg[];
}

/** The outcome of one command of a batch. */
export type BatchResult = { ok: true; value: unknown } | { ok: false; error: unknown };

/** A single server (a standalone server, or one master of a cluster), for per-node commands such as SCAN. */
export interface RedisNode {
  send(args: readonly RedisArg[]): Promise<unknown>;
}

/**
 * What the store needs from a Redis client: the whole surface one adapter per library implements.
 * Replies keep bulk strings as `Buffer`s, integers as numbers, nil as `null`, arrays as arrays.
 */
export interface RedisCommands {
  /** `'ioredis'` or `'node-redis'`. */
  readonly library: string;
  readonly isCluster: boolean;
  /** Send one command; `key` routes it on a cluster (`undefined`: any node). */
  send(key: string | undefined, args: readonly RedisArg[]): Promise<unknown>;
  /** Send commands without waiting between them (pipelined per connection). */
  batch(commands: readonly BatchCommand[]): Promise<BatchResult[]>;
  /** Every master (the server itself when standalone). */
  masters(): Promise<RedisNode[]>;
  /**
   * What the client itself reports. `'ready'`: connected. `'starting'`: its first connection
   * attempt is in progress and nothing has failed yet (commands may queue briefly). `'down'`: no
   * connection (a failed attempt, reconnecting, closed) — a command could only pile up or time out.
   */
  readiness(): 'ready' | 'starting' | 'down';
  /** The client's own words for its state, for error messages (e.g. `status "reconnecting"`). */
  connectionState(): string;
  /** Classify an error a command rejected with. */
  classify(error: unknown): ErrorClass;
  /**
   * Cluster only: the address of the master that currently owns `key`'s slot, from the client's
   * own slot map (`undefined` while unknown). Lets the executor keep one circuit breaker per node.
   */
  nodeOf?(key: string): string | undefined;
}

/**
 * `reply`: Redis answered with an error (the server is up). `connection`: the request could not be
 * delivered or answered (server down, socket closed, cluster not ready).
 */
export type ErrorClass = 'reply' | 'connection';

/** Redis error replies that mean "not serving right now" rather than "bad command". */
export function isUnavailableReply(message: string): boolean {
  return /^(CLUSTERDOWN|LOADING|TRYAGAIN|MASTERDOWN|BUSY|READONLY)\b/.test(message);
}
