/**
 * One redis-ops contender in a process of its own, driven by the parent over IPC: what a user's
 * application is (one cache library, one client), without the JIT and GC state of the other
 * contenders. Protocol (advanced serialization, so key ids travel as an Int32Array):
 *   → { type: 'init', name, url, prefix, keySpace }   ← { type: 'ready' } after prefill
 *   → { type: 'pass', op, ids, inflight, latency }   ← { type: 'done', result }
 *   → { type: 'close' }                               ← { type: 'closed' }, then exit
 * Any failure answers { type: 'error', message }.
 */
import { makeContender, type RedisContender } from './contenders.ts';
import { localRunner, type PassRunner } from './inflight.ts';
import { dataset, prefill, workloads } from './workloads.ts';

type Message =
  | { type: 'init'; name: string; url: string; prefix: string; keySpace: number }
  | { type: 'pass'; op: string; ids: Int32Array; inflight: number; latency: boolean }
  | { type: 'close' };

let contender: RedisContender | undefined;
const runners = new Map<string, PassRunner>();

const send = (m: unknown) => process.send?.(m);

process.on('message', (m: Message) => {
  void handle(m).catch((e: unknown) => send({ type: 'error', message: String((e as Error)?.stack ?? e) }));
});

async function handle(m: Message): Promise<void> {
  if (m.type === 'init') {
    contender = await makeContender(m.name, { url: m.url, prefix: m.prefix });
    const d = dataset(m.keySpace);
    await prefill(contender, d);
    for (const w of workloads(d)) runners.set(w.op, localRunner(w.fn(contender)));
    send({ type: 'ready' });
  } else if (m.type === 'pass') {
    const run = runners.get(m.op);
    if (run === undefined) throw new Error(`no workload ${m.op}`);
    send({ type: 'done', result: await run(m.ids, m.inflight, m.latency) });
  } else {
    await contender?.close();
    send({ type: 'closed' });
    process.disconnect();
  }
}
