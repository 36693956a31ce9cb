import { isCacheError } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';
import { describe, expect, it } from 'vitest';
import { tieredProvider } from './index.js';

const bus = {
  origin: 'x',
  state: 'down' as const,
  publish: async () => {},
  subscribe: () => () => {},
  ready: async () => {},
  close: async () => {},
};

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isCacheError(e) ? e.code : 'not a CacheError';
  }
  return undefined;
}

describe('tieredProvider options', () => {
  it('refuses bad input with a typed error', () => {
    const l1 = memoryProvider();
    const l2 = memoryProvider();
    expect(code(() => tieredProvider({ l1, l2, bus, l1Ttl: 0 }))).toBe('INVALID_TTL');
    expect(code(() => tieredProvider({ l1, l2, bus, l1Ttl: Number.POSITIVE_INFINITY }))).toBe('INVALID_ARGUMENT');
    expect(code(() => tieredProvider({ l1: {} as never, l2, bus, l1Ttl: '1s' }))).toBe('INVALID_ARGUMENT');
    expect(code(() => tieredProvider({ l1, l2, bus: {} as never, l1Ttl: '1s' }))).toBe('INVALID_ARGUMENT');
    expect(code(() => tieredProvider({ l1, l2, bus, l1Ttl: '1s', l1MaxEntries: 0 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => tieredProvider({ l1, l2, bus, l1Ttl: '1s', l1MaxEntries: 10 }))).toBeUndefined();
  });

  it('derives its capabilities from L2 (and never claims eviction)', () => {
    const p = tieredProvider({ l1: memoryProvider(), l2: memoryProvider(), bus, l1Ttl: '1s' });
    expect(p.capabilities).toEqual({
      distributed: false,
      fakeClock: true,
      eviction: false,
      indexes: true,
      referenceValues: false,
      accessTracking: false,
      derivedIndexes: true,
    });
  });
});
