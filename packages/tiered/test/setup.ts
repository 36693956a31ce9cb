import { randomBytes } from 'node:crypto';
import { type CacheProvider, createCache, type InvalidationBus } from '@gocache/core';
import { describeConformance } from '@gocache/core/conformance';
import { memoryProvider } from '@gocache/provider-memory';
import { redisBus, redisProvider } from '@gocache/provider-redis';
import { Cluster, Redis } from 'ioredis';
import { createClient, createCluster } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from 'vitest';
import { tieredProvider } from '../src/index.js';

/** The shared test server; tests fail (never skip) when it is unreachable. */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export type Lib = 'ioredis' | 'node-redis' | 'ioredis-cluster' | 'node-redis-cluster';

/** Seed nodes for the `*-cluster` libs (set by the test file that starts its cluster). */
export const clusterSeeds: { host: string; port: number }[] = [];

/** A connected client of `lib`, and how to close it. */
export async function connect(lib: Lib, url = REDIS_URL): Promise<{ client: unknown; close(): void }> {
  if (lib === 'ioredis-cluster') {
    const c = new Cluster([...clusterSeeds], { lazyConnect: true });
    c.on('error', () => {});
    await c.connect();
    return { client: c, close: () => c.disconnect() };
  }
  if (lib === 'node-redis-cluster') {
    const c = createCluster({ rootNodes: clusterSeeds.map((n) => ({ url: `redis://${n.host}:${n.port}` })) });
    c.on('error', () => {});
    await c.connect();
    return { client: c, close: () => void c.destroy() };
  }
  if (lib === 'ioredis') {
    const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    c.on('error', () => {});
    await c.connect();
    return { client: c, close: () => c.disconnect() };
  }
  const c = createClient({ url, socket: { reconnectStrategy: () => 50 } });
  c.on('error', () => {});
  await c.connect();
  return { client: c, close: () => void c.destroy() };
}

/** A random key prefix / channel, so runs can share the server. */
export function unique(what: string): string {
  return `gct_${what}_${randomBytes(4).toString('hex')}`;
}

/** One "process": its own client, L1, L2 provider and bus over the shared Redis. */
export async function tieredProcess(
  lib: Lib,
  opts: {
    prefix: string;
    channel: string;
    l1Ttl?: string | number;
    url?: string;
    wrapBus?: (b: InvalidationBus) => InvalidationBus;
  },
): Promise<{ provider: CacheProvider; bus: InvalidationBus; client: unknown; close(): Promise<void> }> {
  const conn = await connect(lib, opts.url);
  const raw = redisBus({ client: conn.client as never, channel: opts.channel });
  const bus = opts.wrapBus?.(raw) ?? raw;
  const provider = tieredProvider({
    l1: memoryProvider(),
    l2: redisProvider({ client: conn.client as never, prefix: opts.prefix }),
    bus,
    l1Ttl: opts.l1Ttl ?? '10s',
  });
  return {
    provider,
    bus,
    client: conn.client,
    async close() {
      await provider.close();
      conn.close();
    },
  };
}

/** Delete every key under `prefix` on the shared server (SCAN + UNLINK, never FLUSH). */
export async function dropPrefix(prefix: string): Promise<void> {
  const c = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await c.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await c.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    c.disconnect();
  }
}

/** The whole conformance kit over memory L1 + Redis L2 on `lib`, peers as separate "processes". */
export async function tieredConformance(lib: Lib): Promise<void> {
  const prefix = unique('tiered');
  const channel = unique('bus');
  const main = await tieredProcess(lib, { prefix, channel });
  const peers: { close(): Promise<void> }[] = [];
  const options = {
    name: `tiered (memory + redis on ${lib})`,
    createCache: (<T>(o: Parameters<typeof createCache<T>>[1]) => createCache<T>(main.provider, o)) as never,
    createPeerCache: (async <T>(o: Parameters<typeof createCache<T>>[1]) => {
      const peer = await tieredProcess(lib, { prefix, channel });
      peers.push(peer);
      return createCache<T>(peer.provider, o);
    }) as never,
    capabilities: main.provider.capabilities,
    runner: { describe, it, afterAll, beforeAll, beforeEach, afterEach },
    teardown: async () => {
      for (const p of peers) await p.close();
      await main.close();
      if (!lib.endsWith('-cluster')) await dropPrefix(prefix);
    },
  };
  describeConformance(options);
}
