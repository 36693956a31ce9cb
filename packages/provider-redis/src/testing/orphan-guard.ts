import { rmSync } from 'node:fs';

/** Servers started by this process that are still running, pid → their temp dir (if we own it). */
const live = new Map<number, string | undefined>();
/** Temp dirs to remove when this process exits. */
const dirs = new Set<string>();
let installed = false;

function reap(): void {
  for (const pid of live.keys()) {
    try {
      // SIGKILL, not SIGTERM: this runs in a synchronous 'exit' handler, so there is no time to
      // wait, and SIGKILL also ends a server that a test left paused with SIGSTOP.
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  live.clear();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.once('exit', reap);
}

/** Remember a server pid so that it is killed when this process exits, however a test ended. */
export function trackPid(pid: number): void {
  install();
  live.set(pid, undefined);
}

/** Forget a pid once its server has exited. */
export function untrackPid(pid: number): void {
  live.delete(pid);
}

/** Remove `dir` when this process exits (unless `releaseDir` removed it earlier). */
export function trackDir(dir: string): void {
  install();
  dirs.add(dir);
}

/** Remove a tracked temp dir now. */
export function releaseDir(dir: string): void {
  dirs.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

/** Pids of servers this process started that are still running (for leak checks in tests). */
export function livePids(): number[] {
  return [...live.keys()];
}
