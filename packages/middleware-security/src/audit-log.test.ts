import { createCache } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';
import { describe, expect, it } from 'vitest';
import { accessControl } from './access-control.js';
import type { AuditEvent } from './audit-event.js';
import { auditLog } from './audit-log.js';
import { rateLimit } from './rate-limit.js';

describe('auditLog', () => {
  it('logs each operation with outcome, duration and chosen attributes, without keys by default', async () => {
    const events: AuditEvent[] = [];
    const cache = createCache<string>(memoryProvider(), {
      name: 'audit',
      middleware: [
        auditLog((e) => events.push(e), { attributes: ['caller'] }),
        accessControl((ctx) => ctx.attributes.caller !== 'mallory'),
      ],
    });
    await cache.set('session:1', 'v', { attributes: { caller: 'alice', secret: 'x' } });
    await cache.getMany(['a', 'b']);
    await cache.get('session:1', { attributes: { caller: 'mallory' } }).catch(() => {});
    expect(events).toEqual([
      expect.objectContaining({
        kind: 'operation',
        cache: 'audit',
        op: 'set',
        outcome: 'ok',
        keyCount: 1,
        key: undefined,
        attributes: { caller: 'alice' },
      }),
      expect.objectContaining({ op: 'getMany', outcome: 'ok', keyCount: 2 }),
      expect.objectContaining({ op: 'get', outcome: 'error', errorCode: 'ACCESS_DENIED', severity: 'medium' }),
    ]);
    for (const e of events) if (e.kind === 'operation') expect(e.durationMs).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(events)).not.toContain('session:1');
    await cache.close();
  });

  it('logs refusals of a rate limiter with severity low; writes-only mode skips successful reads', async () => {
    const events: AuditEvent[] = [];
    const cache = createCache<string>(memoryProvider(), {
      name: 'audit2',
      middleware: [
        auditLog((e) => events.push(e), { ops: 'writes', includeKeys: true }),
        rateLimit({ capacity: 2, refillPerSecond: 0, now: () => 0 }),
      ],
    });
    await cache.get('k');
    await cache.set('k', 'v');
    await cache.get('k').catch(() => {});
    expect(events).toEqual([
      expect.objectContaining({ op: 'set', outcome: 'ok', key: 'k' }),
      expect.objectContaining({ op: 'get', outcome: 'error', errorCode: 'RATE_LIMITED', severity: 'low' }),
    ]);
    await cache.close();
  });

  it('a throwing sink does not change the result', async () => {
    const cache = createCache<string>(memoryProvider(), {
      name: 'audit3',
      middleware: [
        auditLog(() => {
          throw new Error('log down');
        }),
      ],
    });
    await cache.set('k', 'v');
    expect(await cache.get('k')).toBe('v');
    await cache.close();
    expect(() => auditLog(undefined as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
