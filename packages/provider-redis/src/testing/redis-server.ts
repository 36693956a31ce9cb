import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { findFreePort } from './free-port.js';
import { trackDir, trackPid, untrackPid } from './orphan-guard.js';
import { redisCli, waitFor } from './redis-cli.js';

/** Options of `startRedisServer`. */
export interface RedisServerOptions {
  /** Listen on this port; when omitted a free loopback port is searched (and retried on a bind race). */
  port?: number | undefined;
  /** Data directory; when omitted a temp dir is made and removed when this process exits. */
  dir?: string | undefined;
  /** Start as a Redis Cluster node (`--cluster-enabled yes`, bus port = port + 10000). @default false */
  cluster?: boolean | undefined;
  /** Cluster node timeout in ms: how fast a dead master is failed over. @default 1000 */
  clusterNodeTimeoutMs?: number | undefined;
  /** Extra `redis-server` arguments, e.g. `['--maxmemory', '10mb']`. @default [] */
  args?: readonly string[] | undefined;
  /** How long to wait for the first `PONG`. @default 5000 */
  startTimeoutMs?: number | undefined;
  /** Start attempts on fresh ports when the server fails to come up (only without `port`). @default 5 */
  attempts?: number | undefined;
}

/** A `redis-server` process owned by this test process. */
export interface RedisServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The server's pid (not the guardian shell's); changes on `restart`. */
  readonly pid: number;
  readonly dir: string;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Whether the process is running (paused counts as running). */
  readonly running: boolean;
  /** SIGTERM, then SIGKILL after `graceMs` (default 2000). Resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL: a crash. Resolves once the process has exited. */
  kill(): Promise<void>;
  /** SIGSTOP: the server freezes with its sockets open (a GC pause, a stuck host). */
  pause(): void;
  /** SIGCONT after `pause`. */
  resume(): void;
  /** Start again on the same port and dir (after `stop`/`kill`, or stop first when running). */
  restart(): Promise<void>;
}

/**
 * A guardian shell runs redis-server in the background and kills it when its stdin closes, i.e.
 * when this Node process dies — even by SIGKILL, which no 'exit' handler survives. fd 3 is needed
 * because POSIX gives background jobs /dev/null as stdin.
 */
const GUARDIAN = [
  'exec 3<&0',
  'redis-server "$@" &',
  'p=$!',
  'echo "$p"',
  '(read _ <&3; kill -9 "$p" 2>/dev/null) >/dev/null 2>&1 &',
  'wait "$p"',
].join('\n');

interface Proc {
  child: ChildProcess;
  pid: number;
  exited: Promise<void>;
  done: boolean;
}

function spawnGuarded(args: readonly string[]): Promise<Proc> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', GUARDIAN, 'sh', ...args], { stdio: ['pipe', 'pipe', 'ignore'] });
    let settled = false;
    const proc: Partial<Proc> & { done: boolean } = { child, done: false };
    proc.exited = new Promise((res) => {
      child.once('exit', () => {
        proc.done = true;
        if (proc.pid !== undefined) untrackPid(proc.pid);
        child.stdin?.destroy();
        res();
        if (!settled) {
          settled = true;
          reject(new Error('redis-server guardian exited before reporting a pid'));
        }
      });
    });
    child.once('error', (err) => {
      if (!settled) {
        settled = true;
        reject(err);
      }
    });
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      const pid = Number(line.trim());
      proc.pid = pid;
      trackPid(pid);
      lines.close();
      // Never keep the test process alive for a server: the exit hook and the guardian clean up.
      // (Only now: until the pid arrives the pipe is what keeps the caller's await alive.)
      child.unref();
      (child.stdin as unknown as { unref?: () => void }).unref?.();
      (child.stdout as unknown as { unref?: () => void }).unref?.();
      if (!settled) {
        settled = true;
        resolve(proc as Proc);
      }
    });
  });
}

function logTail(dir: string): string {
  try {
    return readFileSync(join(dir, 'redis.log'), 'utf8').split('\n').slice(-8).join('\n');
  } catch {
    return '(no log)';
  }
}

function serverArgs(port: number, dir: string, opts: RedisServerOptions): string[] {
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--logfile',
    join(dir, 'redis.log'),
    '--daemonize',
    'no',
  ];
  if (opts.cluster) {
    args.push(
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      '--cluster-node-timeout',
      String(opts.clusterNodeTimeoutMs ?? 1000),
      // A replica must be allowed to take over however stale it thinks it is: tests kill masters.
      '--cluster-replica-validity-factor',
      '0',
      // Diskless full sync otherwise waits 5 s for more replicas: replicas would lag cluster start.
      '--repl-diskless-sync-delay',
      '0',
    );
  }
  args.push(...(opts.args ?? []));
  return args;
}

async function launch(port: number, dir: string, opts: RedisServerOptions): Promise<Proc> {
  const proc = await spawnGuarded(serverArgs(port, dir, opts));
  try {
    await waitFor(
      `redis-server on port ${port} to answer PING`,
      async () => {
        if (proc.done) throw new Error(`redis-server on port ${port} exited:\n${logTail(dir)}`);
        return (await redisCli(port, ['PING'], { timeoutMs: 1000 })) === 'PONG';
      },
      opts.startTimeoutMs ?? 5000,
      25,
    );
  } catch (err) {
    if (!proc.done) process.kill(proc.pid, 'SIGKILL');
    await proc.exited;
    throw err;
  }
  return proc;
}

/**
 * Start a throwaway `redis-server` on a free loopback port with persistence off
 * (`--save "" --appendonly no`) in a temp dir. The process is killed when this process exits.
 */
export async function startRedisServer(opts: RedisServerOptions = {}): Promise<RedisServer> {
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'gocache-redis-'));
  if (ownDir) trackDir(dir);
  const attempts = opts.port === undefined ? (opts.attempts ?? 5) : 1;
  let port = 0;
  let proc: Proc | undefined;
  let lastError: unknown;
  for (let i = 0; i < attempts && proc === undefined; i++) {
    port = opts.port ?? (await findFreePort({ busOffset: opts.cluster ? 10_000 : undefined }));
    try {
      proc = await launch(port, dir, opts);
    } catch (err) {
      lastError = err;
    }
  }
  if (proc === undefined)
    throw new Error(`could not start redis-server after ${attempts} attempt(s)`, { cause: lastError });
  let current: Proc = proc;

  async function terminate(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    if (current.done) return;
    // Hold the event loop open until the process is gone, or a teardown could end mid-stop.
    current.child.ref();
    try {
      // A stopped process only acts on SIGTERM once continued.
      process.kill(current.pid, 'SIGCONT');
      process.kill(current.pid, signal);
    } catch {
      // Exited in between.
    }
    const timer = new Promise<'late'>((r) => setTimeout(r, graceMs, 'late'));
    if ((await Promise.race([current.exited.then(() => 'ok' as const), timer])) === 'late') {
      try {
        process.kill(current.pid, 'SIGKILL');
      } catch {
        // Exited in between.
      }
      await current.exited;
    }
  }

  const server: RedisServer = {
    host: '127.0.0.1',
    port,
    dir,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return current.pid;
    },
    get running() {
      return !current.done;
    },
    stop: (graceMs = 2000) => terminate('SIGTERM', graceMs),
    kill: () => terminate('SIGKILL', 2000),
    pause: () => {
      process.kill(current.pid, 'SIGSTOP');
    },
    resume: () => {
      process.kill(current.pid, 'SIGCONT');
    },
    restart: async () => {
      await terminate('SIGTERM', 2000);
      current = await launch(port, dir, opts);
    },
  };
  return server;
}
