import { createCache, createInProcessMetrics, isCacheError } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';
import { describe, expect, it } from 'vitest';
import { accessControl } from './access-control.js';

describe('accessControl', () => {
  it('refuses with ACCESS_DENIED, writes nothing and records a security event', async () => {
    const metrics = createInProcessMetrics();
    const events: [string, string, Record<string, unknown> | undefined][] = [];
    const orig = metrics.recordSecurityEvent.bind(metrics);
    metrics.recordSecurityEvent = (t, s, m) => {
      events.push([t, s, m]);
      orig(t, s, m);
    };
    const cache = createCache<string>(memoryProvider(), {
      name: 'ac',
      metrics,
      middleware: [accessControl((ctx) => ctx.op === 'get' || ctx.attributes.role === 'admin')],
    });
    const err = await cache.set('k', 'v', { attributes: { role: 'guest' } }).catch((e: unknown) => e);
    expect(isCacheError(err, 'ACCESS_DENIED')).toBe(true);
    expect((err as Error).message).toMatch(/cache "ac" set/);
    expect(await cache.get('k')).toBeUndefined(); // nothing was written
    await cache.set('k', 'v', { attributes: { role: 'admin' } });
    expect(await cache.get('k')).toBe('v');
    expect(events).toEqual([['access_denied', 'medium', { op: 'set', cache: 'ac' }]]);
    expect(metrics.snapshot().securityEvents.access_denied).toBe(1);
    await cache.close();
  });

  it('treats a throwing or async-false check as a refusal, with the error as cause', async () => {
    const boom = new Error('policy service down');
    const cache = createCache<string>(memoryProvider(), {
      name: 'ac2',
      middleware: [
        accessControl(async (ctx) => {
          if (ctx.key === 'throw') throw boom;
          return ctx.key !== 'deny';
        }),
      ],
    });
    expect((await cache.delete('throw').catch((e: unknown) => e)) as Error).toMatchObject({
      code: 'ACCESS_DENIED',
      cause: boom,
    });
    await expect(cache.get('deny')).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    expect(await cache.get('ok')).toBeUndefined();
    await cache.close();
  });

  it('rejects a non-function check', () => {
    expect(() => accessControl('yes' as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
