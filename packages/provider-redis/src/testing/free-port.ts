import { createServer } from 'node:net';

/** Options of `findFreePort`. */
export interface FindFreePortOptions {
  /**
   * Also require `port + busOffset` to be free (Redis Cluster's bus port is the data port + 10000).
   * @default undefined (only the port itself)
   */
  busOffset?: number | undefined;
  /** Ports already handed out in this search, never returned again. @default empty */
  exclude?: ReadonlySet<number> | undefined;
  /** How many random candidates to try before giving up. @default 200 */
  attempts?: number | undefined;
}

/** Range of candidate ports: above the usual service ports, and low enough that port + 10000 fits. */
const LOW = 20_000;
const HIGH = 50_000;

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * A loopback port that was free a moment ago. Random candidates (not the OS's port 0) so that the
 * bus port can be checked too and so that parallel test processes rarely collide; callers still
 * retry when a server fails to bind, because "free a moment ago" is a race by nature.
 */
export async function findFreePort(opts: FindFreePortOptions = {}): Promise<number> {
  const attempts = opts.attempts ?? 200;
  for (let i = 0; i < attempts; i++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (opts.exclude?.has(port)) continue;
    if (opts.busOffset !== undefined && opts.exclude?.has(port + opts.busOffset)) continue;
    if (!(await canListen(port))) continue;
    if (opts.busOffset !== undefined && !(await canListen(port + opts.busOffset))) continue;
    return port;
  }
  throw new Error(`findFreePort: no free loopback port found after ${attempts} attempts`);
}
