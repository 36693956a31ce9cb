import { isCacheError } from '@gocache/core';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';
import type { RedisArg, RedisCommands } from './commands.js';
import { BATCH_CHUNK, RedisExecutor } from './redis-executor.js';
import { DELETE } from './scripts.js';

class ReplyError extends Error {
  override name = 'ReplyError';
}

/** A scripted fake client: `reply` decides each command's outcome. */
function fake(reply: (args: readonly RedisArg[]) => Promise<unknown>) {
  const sent: string[] = [];
  let batchCalls = 0;
  let ready: 'ready' | 'starting' | 'down' = 'ready';
  const cmds: RedisCommands = {
    library: 'fake',
    isCluster: false,
    send: (_k, args) => {
      sent.push(String(args[0]));
      return reply(args);
    },
    batch: async (commands) => {
      batchCalls++;
      return Promise.all(
        commands.map((c) => {
          sent.push(String(c.args[0]));
          return reply(c.args).then(
            (value) => ({ ok: true as const, value }),
            (error) => ({ ok: false as const, error }),
          );
        }),
      );
    },
    masters: async () => [],
    readiness: () => ready,
    connectionState: () => `fake (${ready})`,
    classify: (e) => (e instanceof ReplyError && !/^LOADING/.test(e.message) ? 'reply' : 'connection'),
  };
  return { cmds, sent, setReady: (r: typeof ready) => (ready = r), batches: () => batchCalls };
}

const site = { cacheName: 'c', op: 'get', key: 'k' };

describe('redis executor', () => {
  it('turns a reply or a judged failure into the result through an outcome, in one settlement', async () => {
    const { cmds } = fake(async (args) => {
      if (args[0] === 'BAD') throw new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value');
      return args[1];
    });
    const ex = new RedisExecutor(cmds, undefined, 1000);
    const outcome = {
      ok: (v: unknown, s: typeof site) => {
        if (v === 'throw') throw new Error(`cannot read ${s.key}`);
        return `${s.key}=${String(v)}`;
      },
      fail: (e: { code: string }, s: typeof site) => `${s.key} failed with ${e.code}`,
    };
    expect(await ex.send(site, 'k', ['GET', 'v1'], outcome)).toBe('k=v1');
    await expect(ex.send(site, 'k', ['GET', 'throw'], outcome)).rejects.toThrow('cannot read k');
    // The failure reaches `fail` already judged: a WRONGTYPE reply is SERIALIZATION.
    expect(await ex.send(site, 'k', ['BAD'], outcome)).toBe('k failed with SERIALIZATION');
    // Without `fail`, the judged failure rejects as usual.
    await expect(ex.send(site, 'k', ['BAD'], { ok: (v) => v })).rejects.toSatisfy((e) =>
      isCacheError(e, 'SERIALIZATION'),
    );
  });

  it('maps a command that outlives commandTimeout to TIMEOUT', async () => {
    const { cmds } = fake(() => new Promise(() => {}));
    const ex = new RedisExecutor(cmds, undefined, 20);
    await expect(ex.send(site, 'k', ['GET', 'k'])).rejects.toSatisfy((e) => isCacheError(e, 'TIMEOUT'));
  });

  it('says per operation kind what a timeout means: reads changed nothing, writes are unknown', async () => {
    const { cmds } = fake(() => new Promise(() => {}));
    const ex = new RedisExecutor(cmds, undefined, 20);
    const message = (op: string) =>
      ex.send({ cacheName: 'c', op, key: 'k' }, 'k', ['X']).then(
        () => '',
        (e: Error) => e.message,
      );
    const [read, many, write, update] = await Promise.all([
      message('get'),
      message('getMany'),
      message('set'),
      message('update'),
    ]);
    expect(read).toMatch(/only reads, so nothing changed/);
    expect(read).not.toMatch(/write/);
    expect(many).toMatch(/only reads/);
    expect(write).toMatch(/outcome of this set is unknown.*re-sends it on reconnect/);
    expect(update).toMatch(/never applied twice/);
  });

  it('settles every call within its timeout, from one shared timer, whatever the mix of fast and hung', async () => {
    let n = 0;
    const { cmds } = fake(() => (n++ % 2 === 0 ? Promise.resolve('OK') : new Promise(() => {})));
    const ex = new RedisExecutor(cmds, undefined, 30);
    const t0 = performance.now();
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, () =>
        ex.send(site, 'k', ['GET']).then(
          () => 'ok',
          (e: unknown) => (isCacheError(e, 'TIMEOUT') ? 'timeout' : 'other'),
        ),
      ),
    );
    expect(outcomes.filter((o) => o === 'ok').length).toBe(100);
    expect(outcomes.filter((o) => o === 'timeout').length).toBe(100);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('maps connection failures to UNAVAILABLE and error replies to PROVIDER / SERIALIZATION', async () => {
    const errors: Record<string, Error> = {
      A: new Error('Connection is closed.'),
      B: new ReplyError('ERR syntax error'),
      C: new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'),
      D: new ReplyError('LOADING Redis is loading the dataset in memory'),
    };
    const { cmds } = fake(async (args) => {
      throw errors[String(args[0])];
    });
    const ex = new RedisExecutor(cmds, undefined, 1000);
    await expect(ex.send(site, 'k', ['A'])).rejects.toSatisfy((e) => isCacheError(e, 'UNAVAILABLE'));
    await expect(ex.send(site, 'k', ['B'])).rejects.toSatisfy((e) => isCacheError(e, 'PROVIDER'));
    await expect(ex.send(site, 'k', ['C'])).rejects.toSatisfy((e) => isCacheError(e, 'SERIALIZATION'));
    await expect(ex.send(site, 'k', ['D'])).rejects.toSatisfy((e) => isCacheError(e, 'UNAVAILABLE'));
    const err = (await ex.send(site, 'k', ['A']).catch((e: unknown) => e)) as Error;
    expect(err.cause).toBe(errors.A);
    expect(err.message).toContain('cache "c" get("k")');
  });

  it('fails fast once the breaker opens, then recovers through one probe', async () => {
    let up = false;
    const { cmds, sent } = fake(async () => {
      if (!up) throw new Error('ECONNREFUSED');
      return 'OK';
    });
    let t = 0;
    const ex = new RedisExecutor(cmds, new CircuitBreaker({ failureThreshold: 2, resetTimeout: 100 }, () => t), 1000);
    await expect(ex.send(site, 'k', ['GET'])).rejects.toSatisfy((e) => isCacheError(e, 'UNAVAILABLE'));
    await expect(ex.send(site, 'k', ['GET'])).rejects.toSatisfy((e) => isCacheError(e, 'UNAVAILABLE'));
    const before = sent.length;
    const fast = (await ex.send(site, 'k', ['GET']).catch((e: unknown) => e)) as Error;
    expect(isCacheError(fast, 'UNAVAILABLE')).toBe(true);
    expect(fast.message).toContain('circuit open');
    expect(sent.length).toBe(before); // nothing reached the client
    up = true;
    t += 100;
    expect(await ex.send(site, 'k', ['GET'])).toBe('OK');
    expect(await ex.send(site, 'k', ['GET'])).toBe('OK');
  });

  it('on a Cluster, one breaker per master: a dead master fails fast, the healthy ones keep serving', async () => {
    const { cmds, sent } = fake(async (args) => {
      if (String(args[1]).startsWith('dead')) throw new Error('ECONNREFUSED');
      return 'OK';
    });
    const cluster: RedisCommands = { ...cmds, isCluster: true, nodeOf: (key) => (key.startsWith('dead') ? 'A' : 'B') };
    const t = 0;
    const opts = { failureThreshold: 2, resetTimeout: 100 };
    const ex = new RedisExecutor(
      cluster,
      new CircuitBreaker(opts, () => t),
      1000,
      () => new CircuitBreaker(opts, () => t),
    );
    for (let i = 0; i < 2; i++) {
      await expect(ex.send(site, 'dead1', ['GET', 'dead1'])).rejects.toSatisfy((e) => isCacheError(e, 'UNAVAILABLE'));
    }
    const before = sent.length;
    const fast = (await ex.send(site, 'dead2', ['GET', 'dead2']).catch((e: unknown) => e)) as Error;
    expect(fast.message).toContain('circuit open');
    expect(sent.length).toBe(before); // the dead master's circuit is open…
    expect(await ex.send(site, 'live', ['GET', 'live'])).toBe('OK'); // …the other master's is not
    expect(await ex.eval(site, DELETE, ['live2'], [])).toBe('OK');
  });

  it('does not queue into a client that lost its connection', async () => {
    const { cmds, sent, setReady } = fake(async () => 'OK');
    const ex = new RedisExecutor(cmds, undefined, 1000);
    setReady('down');
    await expect(ex.send(site, 'k', ['GET'])).rejects.toSatisfy((e) => isCacheError(e, 'UNAVAILABLE'));
    expect(sent).toEqual([]);
    const e = await ex.eval(site, DELETE, ['k'], []).catch((x: unknown) => x);
    expect(isCacheError(e, 'UNAVAILABLE')).toBe(true);
    expect((e as Error).message).toContain('reports no connection to Redis (fake (down)');
    expect(sent).toEqual([]);
    setReady('starting'); // a client still connecting for the first time may queue briefly
    expect(await ex.send(site, 'k', ['GET'])).toBe('OK');
  });

  it('re-sends a script in full on NOSCRIPT, singly and in batches', async () => {
    const loaded = new Set<string>();
    const { cmds, sent } = fake(async (args) => {
      if (args[0] === 'EVALSHA' && !loaded.has(String(args[1]))) throw new ReplyError('NOSCRIPT No matching script.');
      if (args[0] === 'EVAL') loaded.add(DELETE.sha);
      return [1];
    });
    const ex = new RedisExecutor(cmds, undefined, 1000);
    expect(await ex.eval(site, DELETE, ['k'], ['1', 'm'])).toEqual([1]);
    expect(sent).toEqual(['EVALSHA', 'EVAL']);
    expect(await ex.eval(site, DELETE, ['k'], ['1', 'm'])).toEqual([1]);
    expect(sent.at(-1)).toBe('EVALSHA');
    loaded.clear();
    sent.length = 0;
    const calls = [1, 2, 3].map((i) => ({ keys: [`k${i}`], args: ['1', 'm'] }));
    expect(await ex.batchEval(site, DELETE, calls)).toEqual([[1], [1], [1]]);
    expect(sent.filter((s) => s === 'EVAL').length).toBe(3);
  });

  it('sends a huge batch as consecutive pipelines of BATCH_CHUNK, results in order', async () => {
    const { cmds, batches } = fake(async (args) => Number(args[1]));
    const ex = new RedisExecutor(cmds, undefined, 1000);
    const n = BATCH_CHUNK * 2 + 5;
    const out = await ex.batch(
      site,
      Array.from({ length: n }, (_, i) => ({ key: `k${i}`, args: ['GET', String(i)] })),
    );
    expect(out).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(batches()).toBe(3);
  });
});
