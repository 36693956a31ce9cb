import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import type { Row, Suite } from '../lib/suite.ts';
import { gocacheRedis, type RedisContender, rawIoredis, type Value } from '../redis/contenders.ts';

/** A free loopback port, from the kernel. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A private, throwaway `redis-server` (nothing else talks to it, so its counters are ours alone). */
async function startServer(): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {}); // refused until the server listens: the loop below retries

  for (let i = 0; ; i++) {
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      return { url, proc };
    } catch (e) {
      probe.disconnect();
      if (i >= 50) {
        proc.kill('SIGKILL');
        throw new Error(`redis-server on port ${port} did not start: ${String(e)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Redis's process CPU (user + system) so far, in µs: commands, parsing, I/O and replies. */
async function serverCpuUs(admin: Redis): Promise<number> {
  const cpu = await admin.info('cpu');
  const field = (k: string) => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? 0);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
}

/**
 * Where a Redis write's time goes, per operation: client CPU (this process) and Redis's process
 * CPU (commands, scripts, parsing, I/O, replies), on a private `redis-server` started for the run,
 * so nothing else is counted. Raw
 * `SET`/`GET`, the cheapest scripted write (EVALSHA of HSET + PEXPIRE), and ours.
 */
export const suite: Suite = {
  name: 'redis-write-cost',
  description: 'client and Redis CPU per op: raw SET/GET, the cheapest scripted write, and ours (private redis-server)',
  async run({ smoke, report }) {
    const n = smoke ? 500 : 60_000;
    const inflight = 64;
    const { url, proc } = await startServer();
    const admin = new Redis(url);
    const contenders: RedisContender[] = [];
    try {
      const opts = { url, prefix: 'cost' };
      const raw = rawIoredis(opts);
      const ours = await gocacheRedis(opts, 'ioredis');
      contenders.push(raw, ours);
      const floor = new Redis(url, { enableAutoPipelining: true });
      const floorSha = String(
        await floor.script(
          'LOAD',
          "redis.call('HSET', KEYS[1], 'v', ARGV[1]) redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1",
        ),
      );
      // ioredis has `<command>Buffer` for every command at run time; its types omit evalshaBuffer.
      const floorBuffer = (
        floor as unknown as { evalshaBuffer: (...args: (string | number | Buffer)[]) => Promise<unknown> }
      ).evalshaBuffer.bind(floor);
      const value = (i: number): Value => ({ id: i, name: `user ${i}` });
      const key = (i: number) => `user:${i % 5_000}`;
      const cases: { op: string; who: string; fn: (i: number) => Promise<unknown> }[] = [
        { op: 'get-hit', who: 'raw ioredis GET', fn: (i) => raw.get(key(i)) },
        { op: 'get-hit', who: 'ours (ioredis)', fn: (i) => ours.get(key(i)) },
        { op: 'set', who: 'raw ioredis SET', fn: (i) => raw.set(key(i), value(i)) },
        {
          op: 'set',
          who: 'raw EVALSHA (HSET+PEXPIRE)',
          fn: (i) => floor.evalsha(floorSha, 1, `cost:floor:${key(i)}`, JSON.stringify(value(i)), 3_600_000),
        },
        {
          // The same script with the value as bytes (what a CBOR value is): ioredis builds such a
          // command from buffers, which costs it more CPU than an all-string command.
          op: 'set',
          who: 'raw EVALSHA (HSET+PEXPIRE), Buffer value',
          fn: (i) => floorBuffer(floorSha, 1, `cost:floor:${key(i)}`, Buffer.from(JSON.stringify(value(i))), '3600000'),
        },
        { op: 'set', who: 'ours (ioredis)', fn: (i) => ours.set(key(i), value(i)) },
        // An entry with an explicit index back-reference (addIndex): still one script call.
        { op: 'set, indexed', who: 'ours (ioredis)', fn: (i) => ours.set(`ix:${key(i)}`, value(i)) },
        { op: 'update', who: 'raw ioredis GET+SET', fn: (i) => raw.update(key(i), (o) => value((o?.id ?? 0) + 1)) },
        { op: 'update', who: 'ours (ioredis)', fn: (i) => ours.update(key(i), (o) => value((o?.id ?? 0) + 1)) },
      ];
      // Every key exists (hits), and every code path is warm, before anything is measured.
      for (const c of [raw, ours]) {
        await Promise.all(Array.from({ length: 5_000 }, (_, i) => c.set(key(i), value(i))));
      }
      await Promise.all(
        Array.from({ length: 5_000 }, async (_, i) => {
          await ours.set(`ix:${key(i)}`, value(i));
          await ours.addIndex!('by_group', `ix:${key(i)}`, `g${i % 100}`);
        }),
      );
      const rows: Row[] = [];
      for (const c of cases) {
        const drive = async (count: number) => {
          let next = 0;
          await Promise.all(
            Array.from({ length: inflight }, async () => {
              while (next < count) await c.fn(next++);
            }),
          );
        };
        await drive(Math.min(n, 5_000));
        const s0 = await serverCpuUs(admin);
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await drive(n);
        const ms = performance.now() - t0;
        const cpu = process.cpuUsage(c0);
        const s1 = await serverCpuUs(admin);
        rows.push({
          op: c.op,
          contender: c.who,
          'ops/s': Math.round((n / ms) * 1000),
          'client CPU µs/op': Number(((cpu.user + cpu.system) / n).toFixed(2)),
          'Redis CPU µs/op': Number(((s1 - s0) / n).toFixed(2)),
        });
      }
      report.table(`per operation, ${inflight} in flight, ${n} operations each`, rows);
      report.note(
        'With auto-pipelining the client and Redis take turns (a batch is written, run, answered together), ' +
          'so per-operation client and Redis costs add up rather than overlap on this machine.',
      );
      floor.disconnect();
    } finally {
      for (const c of contenders) await c.close();
      admin.disconnect();
      proc.kill('SIGTERM');
    }
  },
};
