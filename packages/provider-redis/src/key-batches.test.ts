import { describe, expect, it } from 'vitest';
import { KeyBatches } from './key-batches.js';

function recorder(fail?: Error) {
  const sent: [string, string[]][] = [];
  const batches = new KeyBatches(async (cache, keys) => {
    sent.push([cache, [...keys]]);
    if (fail) throw fail;
  });
  return { sent, batches };
}

describe('KeyBatches: keys published in one tick go out as one message per cache', () => {
  it('joins the keys of one tick, per cache, and resolves every publisher once its message was sent', async () => {
    const { sent, batches } = recorder();
    const a = batches.add('sessions', ['s1']);
    const b = batches.add('sessions', ['s2', 's3']);
    const c = batches.add('users', ['u1']);
    expect(sent).toEqual([]); // nothing before the tick ends
    await Promise.all([a, b, c]);
    expect(sent).toEqual([
      ['sessions', ['s1', 's2', 's3']],
      ['users', ['u1']],
    ]);
  });

  it('publishes of later ticks are later messages', async () => {
    const { sent, batches } = recorder();
    await batches.add('c', ['k1']);
    await batches.add('c', ['k2']);
    expect(sent).toEqual([
      ['c', ['k1']],
      ['c', ['k2']],
    ]);
  });

  it('flush sends what waits at once (a pattern or "all" must not overtake it)', async () => {
    const { sent, batches } = recorder();
    const p = batches.add('c', ['k']);
    batches.flush();
    expect(sent).toEqual([['c', ['k']]]);
    await p;
    await new Promise<void>((r) => process.nextTick(r));
    expect(sent).toHaveLength(1); // the tick's own flush finds nothing left
  });

  it('a failed send rejects every publisher whose keys it carried', async () => {
    const boom = new Error('unreachable');
    const { batches } = recorder(boom);
    const a = batches.add('c', ['k1']);
    const b = batches.add('c', ['k2']);
    await expect(a).rejects.toBe(boom);
    await expect(b).rejects.toBe(boom);
  });
});
