import { describe, expect, it, vi } from 'vitest';
import { CACHE_ERROR_CODES, CacheError, isCacheError } from './errors.js';

describe('CacheError', () => {
  it('carries code, cache, op, key and cause, and says all of it in the message', () => {
    const cause = new Error('boom');
    const e = new CacheError('PROVIDER', 'redis failed; check the connection', {
      cacheName: 'sessions',
      op: 'get',
      key: 'session:1',
      cause,
    });
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({
      name: 'CacheError',
      code: 'PROVIDER',
      cacheName: 'sessions',
      op: 'get',
      key: 'session:1',
    });
    expect(e.cause).toBe(cause);
    expect(e.message).toBe('[PROVIDER] cache "sessions" get("session:1"): redis failed; check the connection');
  });

  it('isCacheError narrows by code', () => {
    const e = new CacheError('CLOSED', 'closed', { cacheName: 'c', op: 'get' });
    expect(isCacheError(e)).toBe(true);
    expect(isCacheError(e, 'CLOSED')).toBe(true);
    expect(isCacheError(e, 'ABORTED')).toBe(false);
    expect(isCacheError(new Error('x'))).toBe(false);
    expect(isCacheError(null)).toBe(false);
  });

  it('is recognised across duplicate installs (a second copy of the module)', async () => {
    vi.resetModules();
    // A query string makes the module loader treat it as a different module: a second copy.
    const spec = './errors.js?copy';
    const copy = (await import(/* @vite-ignore */ spec)) as typeof import('./errors.js');
    expect(copy.CacheError).not.toBe(CacheError);
    const foreign = new copy.CacheError('TIMEOUT', 'slow', { cacheName: 'c', op: 'get' });
    expect(foreign instanceof CacheError).toBe(false);
    expect(isCacheError(foreign, 'TIMEOUT')).toBe(true);
    expect(CacheError.isInstance(foreign)).toBe(true);
  });

  it('lists every stable code once', () => {
    expect(new Set(CACHE_ERROR_CODES).size).toBe(CACHE_ERROR_CODES.length);
    expect(CACHE_ERROR_CODES).toContain('RATE_LIMITED');
    expect(CACHE_ERROR_CODES.length).toBe(17);
  });
});
