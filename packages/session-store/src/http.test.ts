import { randomBytes } from 'node:crypto';
import { createCache } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';
import { describeHttpSuite } from './testing/http-suite.js';

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
