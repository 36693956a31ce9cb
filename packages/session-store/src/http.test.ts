import { randomBytes } from 'node:crypto';
import { createCache } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';
import session from 'express-session';
import { describe, expect, it } from 'vitest';
import { Browser, startExpressApp } from '../test/apps.js';
import { describeHttpSuite } from '../test/http-suite.js';

describeHttpSuite('memory provider', async (ops) => {
  const cache = createCache<string>(memoryProvider(), {
    name: `sessions-${randomBytes(4).toString('hex')}`,
    indexes: { sessions_by_user: 'sess:*' },
    middleware: [
      (ctx, next) => {
        ops.push(ctx.op);
        return next();
      },
    ],
  });
  return { cache, dispose: () => cache.close() };
});

describe("the same race on express-session's MemoryStore (the limitation connect-redis documents)", () => {
  it('brings the logged-out session back: the scenario above does detect a resurrection', async () => {
    const store = new session.MemoryStore();
    const app = await startExpressApp(store);
    try {
      const browser = new Browser(app.url);
      await browser.request('POST', '/login?user=alice');
      const slow = app.holdSlow();
      const a = browser.clone().request('POST', '/slow');
      await slow.entered;
      await browser.clone().request('POST', '/logout');
      slow.release();
      await a;
      const replay = await browser.clone().request('GET', '/me');
      expect(replay.body).toMatchObject({ userId: 'alice', note: 'written by the slow request' });
    } finally {
      await app.close();
    }
  });
});
