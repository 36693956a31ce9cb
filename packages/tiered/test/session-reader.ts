// A separate process with its own tiered cache: reads one session key in a loop and reports when it
// last saw the session and when the bus told it the session was gone. Run with source-hooks.mjs.
import { performance } from 'node:perf_hooks';
import { createCache } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';
import { redisBus, redisProvider } from '@gocache/provider-redis';
import { tieredProvider } from '@gocache/tiered';
import { Redis } from 'ioredis';
import { createClient } from 'redis';

const [lib, url, prefix, channel] = process.argv.slice(2) as [string, string, string, string];
const now = () => performance.timeOrigin + performance.now();

let client: unknown;
let closeClient: () => void;
if (lib === 'ioredis') {
  const c = new Redis(url);
  client = c;
  closeClient = () => c.disconnect();
} else {
  const c = createClient({ url });
  c.on('error', () => {});
  await c.connect();
  client = c;
  closeClient = () => void c.destroy();
}
const bus = redisBus({ client: client as never, channel });
const provider = tieredProvider({
  l1: memoryProvider(),
  l2: redisProvider({ client: client as never, prefix }),
  bus,
  l1Ttl: '1h',
});
const sessions = createCache<{ user: string }>(provider, { name: 'sessions' });

let key = '';
let reading = false;
let lastHitStart = 0;
let invalidatedAt = 0;
let reads = 0;
let sawReported = false;
/** Keys named by an invalidation since they were last watched: the writer's set publishes one too. */
const announced = new Set<string>();
bus.subscribe({
  onMessage(m) {
    if (m.cache !== 'sessions' || m.invalidation.kind !== 'keys') return;
    for (const k of m.invalidation.keys) announced.add(k);
    // Reading starts only once the set's own message arrived, so this one is the revocation's.
    if (reading && m.invalidation.keys.includes(key) && lastHitStart > 0) invalidatedAt ||= now();
  },
  onState() {},
});
await bus.ready();

async function loop(): Promise<void> {
  while (reading) {
    const started = now();
    const v = await sessions.get(key);
    reads++;
    if (v !== undefined) {
      lastHitStart = started;
      if (!sawReported) {
        sawReported = true;
        process.send?.({ saw: key });
      }
    }
    await new Promise((r) => setImmediate(r));
  }
}

process.on('message', async (msg: { watch?: string; report?: boolean; exit?: boolean }) => {
  if (msg.watch !== undefined) {
    // Publishing resolves once Redis accepted the message, not once every subscriber has it: the
    // set's invalidation may still be on its way here. Wait for it, so that it is not taken for
    // the revocation's (bounded: a lost message leaves invalidatedAt 0 and the test says so).
    const until = Date.now() + 2_000;
    while (!announced.has(msg.watch) && Date.now() < until) await new Promise((r) => setTimeout(r, 1));
    announced.delete(msg.watch);
    key = msg.watch;
    lastHitStart = 0;
    invalidatedAt = 0;
    reads = 0;
    sawReported = false;
    reading = true;
    void loop();
  } else if (msg.report) {
    reading = false;
    process.send?.({ lastHitStart, invalidatedAt, reads });
  } else if (msg.exit) {
    reading = false;
    await provider.close();
    closeClient();
    process.disconnect?.();
  }
});
process.send?.({ ready: true });
