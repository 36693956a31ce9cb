import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PassResult, PassRunner } from './inflight.ts';

/** A contender running in its own process (`contender-process.ts`), one request at a time. */
export interface RemoteContender {
  readonly name: string;
  /** A runner for `op` (one of the redis-ops workloads) in that process. */
  runner(op: string): PassRunner;
  close(): Promise<void>;
}

type Reply =
  | { type: 'ready' }
  | { type: 'done'; result: PassResult }
  | { type: 'closed' }
  | { type: 'error'; message: string };

/**
 * Fork a process for contender `name`, build it there and prefill its keys. Resolves once it is
 * ready; the parent then drives it pass by pass, so only one contender runs at any moment.
 */
export async function remoteContender(
  name: string,
  init: { url: string; prefix: string; keySpace: number },
): Promise<RemoteContender> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./contender-process.ts', import.meta.url)), [], {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let pending: { resolve: (r: Reply) => void; reject: (e: Error) => void } | undefined;
  let exited: Error | undefined;
  child.on('message', (r: Reply) => {
    const p = pending;
    pending = undefined;
    if (r.type === 'error') p?.reject(new Error(`contender ${name} (pid ${child.pid}): ${r.message}`));
    else p?.resolve(r);
  });
  child.on('exit', (code, signal) => {
    exited = new Error(`contender ${name} (pid ${child.pid}) exited (${signal ?? code})`);
    pending?.reject(exited);
    pending = undefined;
  });
  const request = (m: object): Promise<Reply> => {
    if (exited !== undefined) return Promise.reject(exited);
    if (pending !== undefined) return Promise.reject(new Error(`contender ${name}: one request at a time`));
    return new Promise<Reply>((resolve, reject) => {
      pending = { resolve, reject };
      child.send(m);
    });
  };
  try {
    await request({ type: 'init', name, ...init });
  } catch (e) {
    child.kill();
    throw e;
  }
  return {
    name,
    runner: (op) => async (ids, inflight, latency) => {
      const r = await request({ type: 'pass', op, ids, inflight, latency });
      if (r.type !== 'done') throw new Error(`contender ${name}: unexpected reply ${r.type}`);
      return r.result;
    },
    async close() {
      if (exited !== undefined) return;
      const gone = new Promise((r) => child.once('exit', r));
      await request({ type: 'close' }).catch(() => {});
      // Its Redis clients are closed; the process ends by itself, or is stopped (by its own PID).
      const t = setTimeout(() => child.kill(), 2000);
      await gone;
      clearTimeout(t);
    },
  };
}
