import { createCache, type DerivedIndexes } from '@gocache/core';
import { installDerivedIndexes as useDerived } from '@gocache/core/conformance';
import { afterAll, describe, expect, it } from 'vitest';
import { ioredisCommands } from '../src/adapters/ioredis.js';
import type { RedisCommands } from '../src/commands.js';
import { KeyLayout } from '../src/key-layout.js';
import { providerOverCommands } from '../src/provider.js';
import { byUser } from './by-user.js';
import { dropPrefix, ioredisClient, testPrefix } from './clients.js';

const io = await ioredisClient();
const prefix = testPrefix();

afterAll(async () => {
  await dropPrefix(io, prefix);
  io.disconnect();
});

/** A provider that records every command it sends (singly or pipelined), with its arguments. */
function recorded() {
  const sent: string[][] = [];
  const real = ioredisCommands(io);
  const cmds: RedisCommands = {
    ...real,
    send(key, args) {
      sent.push(args.map((a) => (Buffer.isBuffer(a) ? `<${a.length} bytes>` : a)));
      return real.send(key, args);
    },
    batch(batch) {
      for (const b of batch) sent.push(b.args.map((a) => (Buffer.isBuffer(a) ? `<${a.length} bytes>` : a)));
      return real.batch(batch);
    },
  };
  return { provider: providerOverCommands(cmds, { client: io, prefix }), sent };
}

describe('one script call per write, whatever the entry state, the value encoded once', () => {
  for (const state of ['plain', 'indexed', 'derived', 'foreign'] as const) {
    it(`${state}: set, setIfExists, setMany and update's compare-and-set are one EVALSHA each`, async () => {
      const { provider, sent } = recorded();
      const name = `calls-${state}`;
      const layout = new KeyLayout(prefix, name);
      const c = createCache<{ user: string }>(provider, { name, ttl: 60_000 });
      if (state === 'derived') {
        expect(useDerived(c, byUser(name))).toBe(true);
      }
      await c.set('k', { user: 'ada' });
      if (state === 'indexed') await c.addIndex('by_tag', 'k', 'x');
      if (state === 'foreign') await io.set(layout.entry('k'), 'not ours');
      const writes = async (run: () => Promise<unknown>) => {
        sent.length = 0;
        await run();
        return sent.map((a) => a[0]);
      };
      expect(await writes(() => c.set('k', { user: 'grace' }))).toEqual(['EVALSHA']);
      // The value is one argument, encoded once.
      expect(sent[0]!.filter((a) => a.startsWith('<')).length).toBe(1);
      expect(await writes(() => c.setIfExists('k', { user: 'linus' }))).toEqual(['EVALSHA']);
      expect(await writes(() => c.setMany([['k', { user: 'ken' }]]))).toEqual(['EVALSHA']);
      // update: one read, one compare-and-set.
      expect(await writes(() => c.update('k', (s) => ({ user: `${s!.user}!` })))).toEqual(['HMGET', 'EVALSHA']);
      expect(await c.get('k')).toEqual({ user: 'ken!' });
      if (state === 'indexed') expect(await c.getByIndex('by_tag', 'x')).toEqual(['k']);
      if (state === 'derived') expect(await c.getByIndex('by_user', 'ken!')).toEqual(['k']);
      await c.clear();
      await c.close();
    });
  }

  it('the one exception: a write into a full limited index key takes a second call, carrying the decision', async () => {
    const { provider, sent } = recorded();
    const c = createCache<{ user: string }>(provider, { name: 'calls-limit', ttl: 60_000 });
    const asked: string[][] = [];
    const plan: DerivedIndexes = {
      names: new Set(['by_user']),
      derive: (_k, v) => ['by_user', (v as { user: string }).user],
      limits: new Map([['by_user', { max: 1 }]]),
      overLimit: (_key, _name, _ik, others) => {
        asked.push(others.map((m) => m.key));
        return others.map((m) => m.key);
      },
    };
    expect(useDerived(c, plan)).toBe(true);
    await c.set('a', { user: 'u' });
    sent.length = 0;
    await c.set('b', { user: 'u' });
    expect(sent.map((a) => a[0])).toEqual(['EVALSHA', 'EVALSHA']);
    expect(sent[1]!.length).toBe(sent[0]!.length + 1); // the same call, plus the decisions
    expect(asked).toEqual([['a']]);
    expect(await c.getByIndex('by_user', 'u')).toEqual(['b']);
    sent.length = 0;
    await c.set('b', { user: 'u' }); // a member's re-write joins nothing: one call
    expect(sent.map((a) => a[0])).toEqual(['EVALSHA']);
    await c.clear();
    await c.close();
  });
});
