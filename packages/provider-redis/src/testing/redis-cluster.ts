import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from './free-port.js';
import { trackDir } from './orphan-guard.js';
import { parseInfo, redisCli, waitFor } from './redis-cli.js';
import { type RedisServer, startRedisServer } from './redis-server.js';

/** Options of `startRedisCluster`. */
export interface RedisClusterOptions {
  /** Number of masters (slots are split evenly). @default 3 */
  masters?: number | undefined;
  /** Replicas per master. @default 1 */
  replicasPerMaster?: number | undefined;
  /** `cluster-node-timeout`: how long before a silent master is failed over. @default 1000 */
  nodeTimeoutMs?: number | undefined;
  /** Whole-cluster start attempts (fresh ports each time). @default 3 */
  attempts?: number | undefined;
  /** How long to wait for `cluster_state:ok` everywhere, per attempt. @default 20000 */
  readyTimeoutMs?: number | undefined;
}

/** One line of `CLUSTER NODES`. */
export interface ClusterNodeInfo {
  readonly id: string;
  readonly port: number;
  readonly role: 'master' | 'replica';
  /** The master's node id, for a replica. */
  readonly masterId: string | undefined;
  /** Flagged `fail` or `fail?` by the node that answered. */
  readonly failing: boolean;
  /** Number of slots served (masters). */
  readonly slotCount: number;
  /** Slot ranges served, inclusive (masters). */
  readonly slots: readonly (readonly [number, number])[];
}

/** A running local Redis Cluster owned by this test process. */
export interface RedisCluster {
  readonly nodes: readonly RedisServer[];
  /** Ports of every node, in start order (start order is not role order after a failover). */
  readonly ports: readonly number[];
  /** `{ host, port }` of every node, the shape both ioredis and node-redis take as seeds. */
  readonly startupNodes: readonly { host: string; port: number }[];
  /** The topology as seen by a running node. */
  topology(): Promise<ClusterNodeInfo[]>;
  /** Running master nodes. */
  masters(): Promise<RedisServer[]>;
  /** Resolve once every running node reports `cluster_state:ok` and agrees on the roles. */
  waitUntilHealthy(timeoutMs?: number): Promise<void>;
  /**
   * Graceful `CLUSTER FAILOVER` on a replica (default: the first replica): it becomes master of
   * its master's slots without losing acknowledged writes. Returns the ports that swapped.
   */
  failover(replica?: RedisServer): Promise<{ oldMaster: number; newMaster: number }>;
  /**
   * SIGKILL a master (default: the first master) and wait until its replica has been promoted and
   * the cluster is `ok` again. Writes acknowledged by the dead master but not yet replicated are lost.
   */
  killMaster(master?: RedisServer): Promise<{ killed: RedisServer; promoted: number }>;
  /** Stop every node (SIGTERM, then SIGKILL). */
  stop(): Promise<void>;
}

function parseNodes(text: string): ClusterNodeInfo[] {
  const nodes: ClusterNodeInfo[] = [];
  for (const line of text.split('\n')) {
    const parts = line.trim().split(' ');
    if (parts.length < 8) continue;
    const [id, addr, flagText, master] = parts as [string, string, string, string];
    const flags = flagText.split(',');
    const port = Number(addr.split('@')[0]!.split(':').at(-1));
    let slotCount = 0;
    const slots: [number, number][] = [];
    for (const range of parts.slice(8)) {
      if (range.startsWith('[')) continue; // a slot being migrated
      const [a, b] = range.split('-').map(Number) as [number, number | undefined];
      slots.push([a, b ?? a]);
      slotCount += (b ?? a) - a + 1;
    }
    nodes.push({
      id,
      port,
      role: flags.includes('master') ? 'master' : 'replica',
      masterId: master === '-' ? undefined : master,
      failing: flags.includes('fail') || flags.includes('fail?'),
      slotCount,
      slots,
    });
  }
  return nodes;
}

function createCluster(ports: readonly number[], replicas: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes',
      ],
      { timeout: 30_000, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err || !stdout.includes('[OK] All 16384 slots covered')) {
          reject(new Error(`redis-cli --cluster create failed:\n${stdout}\n${stderr}`, { cause: err }));
        } else resolve();
      },
    );
  });
}

async function healthy(nodes: readonly RedisServer[], expectedMasters: number): Promise<boolean> {
  const running = nodes.filter((n) => n.running);
  const signatures = new Set<string>();
  for (const node of running) {
    const info = parseInfo(await redisCli(node.port, ['CLUSTER', 'INFO'], { timeoutMs: 1000 }));
    if (info.get('cluster_state') !== 'ok' || info.get('cluster_slots_ok') !== '16384') return false;
    const view = parseNodes(await redisCli(node.port, ['CLUSTER', 'NODES'], { timeoutMs: 1000 }));
    const live = view.filter((n) => !n.failing && running.some((r) => r.port === n.port));
    // Every running node must be known, not suspected, and either a serving master or a replica:
    // a master without slots is a demoted node whose demotion has not propagated yet.
    if (live.length !== running.length) return false;
    if (live.some((n) => n.role === 'master' && n.slotCount === 0)) return false;
    if (live.filter((n) => n.role === 'master').length !== expectedMasters) return false;
    const portOf = (id: string | undefined) => view.find((n) => n.id === id)?.port ?? 0;
    signatures.add(
      live
        .map((n) => `${n.port}:${n.role}:${portOf(n.masterId)}`)
        .sort()
        .join(','),
    );
    const self = view.find((n) => n.port === node.port);
    if (self?.role === 'replica') {
      const repl = parseInfo(await redisCli(node.port, ['INFO', 'replication'], { timeoutMs: 1000 }));
      if (repl.get('master_link_status') !== 'up') return false;
    }
  }
  // Every node agrees on who serves what, so a client's first slot map is the final one.
  return signatures.size === 1;
}

/**
 * Start a local Redis Cluster (default 3 masters + 3 replicas) from `redis-server --cluster-enabled
 * yes` processes joined with `redis-cli --cluster create … --cluster-replicas 1 --cluster-yes`, and
 * wait until every node reports `cluster_state:ok` with all replicas in sync. Ports are searched
 * (data port and bus port free) and the whole start is retried on fresh ports if anything fails.
 */
export async function startRedisCluster(opts: RedisClusterOptions = {}): Promise<RedisCluster> {
  const masterCount = opts.masters ?? 3;
  const replicas = opts.replicasPerMaster ?? 1;
  const size = masterCount * (1 + replicas);
  const attempts = opts.attempts ?? 3;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const root = mkdtempSync(join(tmpdir(), 'gocache-cluster-'));
    trackDir(root);
    const taken = new Set<number>();
    const ports: number[] = [];
    for (let i = 0; i < size; i++) {
      const port = await findFreePort({ busOffset: 10_000, exclude: taken });
      taken.add(port).add(port + 10_000);
      ports.push(port);
    }
    const started = await Promise.allSettled(
      ports.map((port, i) =>
        startRedisServer({
          port,
          dir: mkdtempSync(join(root, `node-${i}-`)),
          cluster: true,
          clusterNodeTimeoutMs: opts.nodeTimeoutMs ?? 1000,
        }),
      ),
    );
    const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    try {
      const failed = started.find((s) => s.status === 'rejected');
      if (failed) throw failed.reason;
      await createCluster(ports, replicas);
      await waitFor('cluster_state:ok on every node', () => healthy(nodes, masterCount), opts.readyTimeoutMs ?? 20_000);
      return makeCluster(nodes, masterCount);
    } catch (err) {
      lastError = err;
      await Promise.all(nodes.map((n) => n.kill()));
    }
  }
  throw new Error(`could not start a Redis Cluster after ${attempts} attempt(s)`, { cause: lastError });
}

function makeCluster(nodes: readonly RedisServer[], masterCount: number): RedisCluster {
  const byPort = (port: number) => nodes.find((n) => n.port === port)!;
  const topology = async () => {
    const seen = nodes.find((n) => n.running);
    if (!seen) throw new Error('no cluster node is running');
    return parseNodes(await redisCli(seen.port, ['CLUSTER', 'NODES']));
  };
  const waitUntilHealthy = (timeoutMs = 20_000) =>
    waitFor('cluster_state:ok on every running node', () => healthy(nodes, masterCount), timeoutMs);
  const masters = async () =>
    (await topology()).filter((n) => n.role === 'master' && !n.failing && n.slotCount > 0).map((n) => byPort(n.port));

  return {
    nodes,
    ports: nodes.map((n) => n.port),
    startupNodes: nodes.map((n) => ({ host: n.host, port: n.port })),
    topology,
    masters,
    waitUntilHealthy,
    async failover(replica) {
      const view = await topology();
      const target = replica
        ? view.find((n) => n.port === replica.port)
        : view.find((n) => n.role === 'replica' && !n.failing && nodes.some((s) => s.port === n.port && s.running));
      if (target?.role !== 'replica') throw new Error('failover: no running replica to promote');
      const oldMaster = view.find((n) => n.id === target.masterId)!;
      await redisCli(target.port, ['CLUSTER', 'FAILOVER']);
      await waitFor(
        `replica ${target.port} to become master`,
        async () =>
          parseNodes(await redisCli(target.port, ['CLUSTER', 'NODES'])).find((n) => n.port === target.port)?.role ===
          'master',
        10_000,
      );
      await waitUntilHealthy();
      return { oldMaster: oldMaster.port, newMaster: target.port };
    },
    async killMaster(master) {
      const view = await topology();
      const heirsOf = (id: string) =>
        view.filter((n) => n.masterId === id && !n.failing && nodes.some((s) => s.port === n.port && s.running));
      const victim = master
        ? view.find((n) => n.port === master.port)
        : view.find((n) => n.role === 'master' && n.slotCount > 0 && !n.failing && heirsOf(n.id).length > 0);
      if (victim?.role !== 'master') throw new Error('killMaster: not a serving master');
      const heirs = heirsOf(victim.id).map((n) => n.port);
      if (heirs.length === 0) throw new Error(`killMaster: master ${victim.port} has no running replica`);
      const killed = byPort(victim.port);
      await killed.kill();
      let promoted = 0;
      await waitFor(
        `a replica of ${victim.port} to be promoted`,
        async () => {
          const now = parseNodes(await redisCli(heirs[0]!, ['CLUSTER', 'NODES']));
          const heir = now.find((n) => heirs.includes(n.port) && n.role === 'master' && n.slotCount > 0);
          if (heir) promoted = heir.port;
          return heir !== undefined;
        },
        20_000,
      );
      await waitUntilHealthy();
      return { killed, promoted };
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}
