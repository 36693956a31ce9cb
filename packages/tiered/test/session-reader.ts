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
bus.subscribe({
  onMessage(m) {
    if (
      m.cache === 'sessions' &&
      m.invalidation.kind === 'keys' &&
      m.invalidation.keys.includes(key) &&
      lastHitStart > 0
    )
      invalidatedAt ||= now();
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
