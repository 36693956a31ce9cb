import { CacheError, type CacheErrorCode } from '@gocache/core';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { BatchCommand, RedisArg, RedisCommands, RedisNode } from './commands.js';
import { type Deadline, Deadlines } from './deadlines.js';
import type { LuaScript } from './scripts.js';

/** Where a command comes from, for error messages. */
export interface Site {
  readonly cacheName: string;
  readonly op: string;
  readonly key?: string | undefined;
}

/**
 * What to make of a command's outcome inside the executor's own settlement (a hot read then costs
 * one promise, not two): `ok` maps the reply, `fail` a failure already judged into a `CacheError`;
 * either may throw. Both get the call's `Site`, so they can be shared functions, not per-call closures.
 */
export interface Outcome<R> {
  ok(value: unknown, site: Site): R;
  fail?(error: CacheError, site: Site): R;
}

/** One script call of a batch. */
export interface ScriptCall {
  readonly keys: readonly string[];
  readonly args: readonly RedisArg[];
}

const NOSCRIPT = /^NOSCRIPT\b/;

/** A command in flight: its node in the deadline queue, and how to settle its promise. */
interface PendingCall extends Deadline {
  resolve: ((value: unknown) => void) | undefined;
  reject: ((reason: unknown) => void) | undefined;
  readonly site: Site;
  readonly breaker: CircuitBreaker | undefined;
  readonly outcome: Outcome<unknown> | undefined;
}

/**
 * Runs commands through the circuit breaker with a per-command timeout and turns every failure
 * into a `CacheError`: `UNAVAILABLE` (no connection, circuit open), `TIMEOUT`, `SERIALIZATION`
 * (foreign data, WRONGTYPE) or `PROVIDER` (any other error reply). Scripts run by SHA and are
 * re-sent in full once when a server answers `NOSCRIPT` (restart, failover, SCRIPT FLUSH).
 */
export class RedisExecutor {
  readonly #cmds: RedisCommands;
  readonly #breaker: CircuitBreaker | undefined;
  readonly #timeoutMs: number;
  readonly #deadlines: Deadlines;
  readonly #newBreaker: (() => CircuitBreaker) | undefined;
  readonly #nodeBreakers = new Map<string, CircuitBreaker>();

  /**
   * `newBreaker` (with a breaker, on a Cluster client that can tell which node owns a key): one
   * breaker per master for single-key commands, so a dead master fails fast without opening the
   * circuit for the healthy ones. Batches and per-master commands use `breaker`.
   */
  constructor(
    cmds: RedisCommands,
    breaker: CircuitBreaker | undefined,
    timeoutMs: number,
    newBreaker?: () => CircuitBreaker,
  ) {
    this.#cmds = cmds;
    this.#breaker = breaker;
    this.#timeoutMs = timeoutMs;
    this.#deadlines = new Deadlines(timeoutMs);
    this.#newBreaker = breaker !== undefined && cmds.isCluster && cmds.nodeOf !== undefined ? newBreaker : undefined;
  }

  /** The breaker of the master owning `route` (Cluster), else the provider's. */
  #breakerFor(route: string | undefined): CircuitBreaker | undefined {
    if (this.#newBreaker === undefined || route === undefined) return this.#breaker;
    const node = this.#cmds.nodeOf!(route);
    if (node === undefined) return this.#breaker;
    let b = this.#nodeBreakers.get(node);
    if (b === undefined) {
      // Addresses change with failovers; a bound keeps a long-lived process from collecting them.
      if (this.#nodeBreakers.size >= 1024) this.#nodeBreakers.clear();
      b = this.#newBreaker();
      this.#nodeBreakers.set(node, b);
    }
    return b;
  }

  get isCluster(): boolean {
    return this.#cmds.isCluster;
  }

  /** One command; `route` is the key that picks the cluster slot. */
  send(site: Site, route: string | undefined, args: readonly RedisArg[]): Promise<unknown>;
  /** One command whose outcome `outcome` turns into the result. */
  send<R>(site: Site, route: string | undefined, args: readonly RedisArg[], outcome: Outcome<R>): Promise<R>;
  send<R>(site: Site, route: string | undefined, args: readonly RedisArg[], outcome?: Outcome<R>): Promise<unknown> {
    const b = this.#breakerFor(route);
    const refused = this.#refusal(site, b);
    if (refused !== undefined) return Promise.reject(refused);
    let inner: Promise<unknown>;
    try {
      inner = this.#cmds.send(route, args);
    } catch (e) {
      inner = Promise.reject(e);
    }
    return this.#settle(site, inner, b, outcome);
  }

  /** One script, by SHA. */
  eval(site: Site, script: LuaScript, keys: readonly string[], args: readonly RedisArg[]): Promise<unknown>;
  /** One script whose outcome `outcome` turns into the result (as `send` does). */
  eval<R>(
    site: Site,
    script: LuaScript,
    keys: readonly string[],
    args: readonly RedisArg[],
    outcome: Outcome<R>,
  ): Promise<R>;
  eval<R>(
    site: Site,
    script: LuaScript,
    keys: readonly string[],
    args: readonly RedisArg[],
    outcome?: Outcome<R>,
  ): Promise<unknown> {
    return this.#guard(
      site,
      // A plain chain, not an async function: one promise fewer on every write.
      () =>
        this.#cmds.send(keys[0], ['EVALSHA', script.sha, String(keys.length), ...keys, ...args]).catch((e: unknown) => {
          if (!isNoScript(e)) throw e;
          return this.#cmds.send(keys[0], ['EVAL', script.source, String(keys.length), ...keys, ...args]);
        }),
      this.#breakerFor(keys[0]),
      outcome,
    );
  }

  /** Commands pipelined (in chunks of `BATCH_CHUNK`); values in order. Throws the first failure. */
  batch(site: Site, commands: readonly BatchCommand[]): Promise<unknown[]> {
    return inChunks(commands, (chunk) => this.#batch(site, chunk));
  }

  /** The same script for many entries, pipelined; values in order. */
  batchEval(site: Site, script: LuaScript, calls: readonly ScriptCall[]): Promise<unknown[]> {
    return inChunks(calls, (chunk) => this.#batchEval(site, script, chunk));
  }

  #batch(site: Site, commands: readonly BatchCommand[]): Promise<unknown[]> {
    return this.#guard(site, async () => {
      const results = await this.#cmds.batch(commands);
      return results.map((r) => {
        if (!r.ok) throw r.error;
        return r.value;
      });
    });
  }

  #batchEval(site: Site, script: LuaScript, calls: readonly ScriptCall[]): Promise<unknown[]> {
    return this.#guard(site, async () => {
      const shaCmds = calls.map((c) => ({
        key: c.keys[0],
        args: ['EVALSHA', script.sha, String(c.keys.length), ...c.keys, ...c.args],
      }));
      const first = await this.#cmds.batch(shaCmds);
      const missing = first.flatMap((r, i) => (!r.ok && isNoScript(r.error) ? [i] : []));
      if (missing.length > 0) {
        const again = await this.#cmds.batch(
          missing.map((i) => {
            const c = calls[i]!;
            return { key: c.keys[0], args: ['EVAL', script.source, String(c.keys.length), ...c.keys, ...c.args] };
          }),
        );
        missing.forEach((i, j) => {
          first[i] = again[j]!;
        });
      }
      return first.map((r) => {
        if (!r.ok) throw r.error;
        return r.value;
      });
    });
  }

  /** Every master, each guarded like any other command. */
  async masters(site: Site): Promise<((args: readonly RedisArg[]) => Promise<unknown>)[]> {
    const nodes: RedisNode[] = await this.#guard(site, () => this.#cmds.masters());
    return nodes.map((n) => (args: readonly RedisArg[]) => this.#guard(site, () => n.send(args)));
  }

  #guard<R>(
    site: Site,
    fn: () => Promise<unknown>,
    b: CircuitBreaker | undefined = this.#breaker,
    outcome?: Outcome<R>,
  ): Promise<R> {
    const refused = this.#refusal(site, b);
    if (refused !== undefined) return Promise.reject(refused);
    let inner: Promise<unknown>;
    try {
      inner = fn();
    } catch (e) {
      inner = Promise.reject(e);
    }
    return this.#settle(site, inner, b, outcome) as Promise<R>;
  }

  /** Why a call must fail fast without being sent (circuit open, client down), if it must. */
  #refusal(site: Site, b: CircuitBreaker | undefined): CacheError | undefined {
    if (b !== undefined && !b.tryAcquire()) {
      return this.#error(
        'UNAVAILABLE',
        `Redis is unreachable (circuit open, next probe in ${b.retryInMs()} ms); the call failed fast — retry later or serve without the cache`,
        site,
      );
    }
    if (this.#cmds.readiness() === 'down') {
      b?.onFailure();
      return this.#error(
        'UNAVAILABLE',
        `the ${this.#cmds.library} client reports no connection to Redis (${this.#cmds.connectionState()}: not yet connected, reconnecting, or closed); the call failed fast instead of queueing — retry later or serve without the cache`,
        site,
      );
    }
    return undefined;
  }

  /** The call's result: its reply (through `outcome`), a judged failure, or TIMEOUT at its deadline. */
  #settle<R>(
    site: Site,
    inner: Promise<unknown>,
    b: CircuitBreaker | undefined,
    outcome?: Outcome<R>,
  ): Promise<unknown> {
    // No timer per command: one shared deadline queue fails the calls that outlive commandTimeout.
    // The call's record is its node in that queue, with one shared expire function: per call, one
    // object and the closures a promise needs, nothing else (this is every command's hot path).
    const call: PendingCall = {
      at: 0,
      expire: this.#expireCall,
      prev: undefined,
      next: undefined,
      resolve: undefined,
      reject: undefined,
      site,
      breaker: b,
      outcome,
    };
    const promise = new Promise<unknown>((resolve, reject) => {
      call.resolve = resolve;
      call.reject = reject;
    });
    this.#deadlines.trackNode(call);
    inner.then(
      (value) => this.#replied(call, value),
      (e: unknown) => this.#failed(call, e),
    );
    return promise;
  }

  readonly #expireCall = (d: Deadline): void => {
    const call = d as PendingCall;
    call.breaker?.onFailure();
    call.reject!(this.#error('TIMEOUT', timeoutMessage(this.#timeoutMs, call.site.op), call.site));
  };

  #replied(call: PendingCall, value: unknown): void {
    if (!this.#deadlines.settle(call)) return;
    call.breaker?.onSuccess();
    if (call.outcome === undefined) call.resolve!(value);
    else {
      try {
        call.resolve!(call.outcome.ok(value, call.site));
      } catch (e) {
        call.reject!(e);
      }
    }
  }

  #failed(call: PendingCall, e: unknown): void {
    if (!this.#deadlines.settle(call)) return;
    const failure = this.#failure(call.site, e, call.breaker);
    if (call.outcome?.fail === undefined) call.reject!(failure);
    else {
      try {
        call.resolve!(call.outcome.fail(failure, call.site));
      } catch (e2) {
        call.reject!(e2);
      }
    }
  }

  /** Judge a rejected command: report it to the breaker and turn it into a `CacheError`. */
  #failure(site: Site, e: unknown, b: CircuitBreaker | undefined): CacheError {
    if (CacheError.isInstance(e)) {
      // Already judged by an inner guard; still settle this call so a half-open probe is released.
      if (e.code === 'UNAVAILABLE' || e.code === 'TIMEOUT') b?.onFailure();
      else b?.onSuccess();
      return e;
    }
    if (this.#cmds.classify(e) === 'connection') {
      b?.onFailure();
      return this.#error('UNAVAILABLE', `Redis is unreachable: ${(e as Error)?.message ?? String(e)}`, site, e);
    }
    b?.onSuccess();
    const message = (e as Error).message ?? String(e);
    if (/^WRONGTYPE\b/.test(message)) {
      return this.#error(
        'SERIALIZATION',
        'foreign data (not written by gocache) is stored under this key; delete it or use another prefix',
        site,
        e,
      );
    }
    return this.#error('PROVIDER', `Redis replied with an error: ${message}`, site, e);
  }

  #error(code: CacheErrorCode, message: string, site: Site, cause?: unknown): CacheError {
    return new CacheError(code, message, { cacheName: site.cacheName, op: site.op, key: site.key, cause });
  }
}

/** Operations that only read: a timeout changed nothing, so a retry is safe. */
const READ_OPS = new Set([
  'get',
  'getEntry',
  'getMany',
  'has',
  'scan',
  'getMetadata',
  'getByIndex',
  'getKeysByPattern',
]);

/** What a timeout means for this kind of operation. */
function timeoutMessage(timeoutMs: number, op: string): string {
  const base = `Redis did not answer within ${timeoutMs} ms (commandTimeout)`;
  if (READ_OPS.has(op)) return `${base}; this ${op} only reads, so nothing changed and a retry is safe`;
  if (op === 'update') {
    return `${base}; the update may or may not have been applied (its versioned compare-and-set makes a retry safe: an updater is never applied twice)`;
  }
  return `${base}; the outcome of this ${op} is unknown: it may not have been applied, or may still be applied later if the client re-sends it on reconnect`;
}

/**
 * Commands per pipeline. A huge `setMany` goes out as consecutive pipelines, each with its own
 * `commandTimeout`, so batch size never turns into a timeout (or an open circuit) on a healthy server.
 */
export const BATCH_CHUNK = 1000;

async function inChunks<I>(items: readonly I[], run: (chunk: readonly I[]) => Promise<unknown[]>): Promise<unknown[]> {
  if (items.length === 0) return [];
  if (items.length <= BATCH_CHUNK) return run(items);
  const out: unknown[] = [];
  for (let i = 0; i < items.length; i += BATCH_CHUNK) out.push(...(await run(items.slice(i, i + BATCH_CHUNK))));
  return out;
}

function isNoScript(e: unknown): boolean {
  return e instanceof Error && NOSCRIPT.test(e.message);
}
