// A separate process on the bus: reports how long each message took to arrive (ms, same host clock).
import { performance } from 'node:perf_hooks';
import { redisBus } from '@gocache/provider-redis';
import { Redis } from 'ioredis';

const [url, channel] = process.argv.slice(2) as [string, string];
const client = new Redis(url);
const bus = redisBus({ client, channel });
const delays: number[] = [];
bus.subscribe({
  onMessage(m) {
    if (m.invalidation.kind !== 'keys') return;
    const sent = Number(m.invalidation.keys[0]);
    if (Number.isFinite(sent)) delays.push(performance.timeOrigin + performance.now() - sent);
  },
  onState() {},
});
await bus.ready();
process.send?.({ ready: true });
process.on('message', async (msg: { done?: boolean }) => {
  if (!msg.done) return;
  process.send?.({ delays });
  await bus.close();
  client.disconnect();
  process.disconnect?.();
});
