import { execFile } from 'node:child_process';

/** Options of `redisCli`. */
export interface RedisCliOptions {
  /** Kill redis-cli after this many ms. @default 5000 */
  timeoutMs?: number | undefined;
}

/**
 * Run `redis-cli -h 127.0.0.1 -p <port> <args…>` and return its stdout (trimmed). Control commands
 * go through redis-cli rather than a client library so that the harness depends on neither ioredis
 * nor node-redis (both are optional peers of the package) and exercises the servers the same way
 * an operator would. Rejects when redis-cli exits non-zero or prints a Redis error.
 */
export function redisCli(port: number, args: readonly string[], opts: RedisCliOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'redis-cli',
      ['-h', '127.0.0.1', '-p', String(port), ...args],
      { timeout: opts.timeoutMs ?? 5000, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`redis-cli -p ${port} ${args.join(' ')} failed: ${stderr || err.message}`, { cause: err }));
          return;
        }
        const out = stdout.trim();
        // redis-cli prints server errors on stdout with exit code 0 when not attached to a TTY.
        if (/^(ERR|WRONGTYPE|NOAUTH|LOADING|MASTERDOWN|CLUSTERDOWN|Could not connect)/.test(out)) {
          reject(new Error(`redis-cli -p ${port} ${args.join(' ')}: ${out}`));
          return;
        }
        resolve(out);
      },
    );
  });
}

/** Parse the `field:value` lines of `INFO` or `CLUSTER INFO`. */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) fields.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return fields;
}

/** Poll `check` every `intervalMs` until it returns true or `timeoutMs` passes (then throw `what`). */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
}
