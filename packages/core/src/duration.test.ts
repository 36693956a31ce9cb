import { describe, expect, it } from 'vitest';
import { MAX_FINITE_DURATION_MS, parseDuration } from './duration.js';
import { isCacheError } from './errors.js';

describe('parseDuration', () => {
  it.each([
    [250, 250],
    ['250ms', 250],
    ['5s', 5_000],
    ['15m', 900_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    ['30d', 2_592_000_000],
    ['2w', 1_209_600_000],
    ['1h30m', 5_400_000],
    ['1h 30m', 5_400_000],
    ['1.5h', 5_400_000],
    [' 10s ', 10_000],
    [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY],
    ['Infinity', Number.POSITIVE_INFINITY],
    [0.5, 0.5],
  ])('%j → %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each([
    0,
    -1,
    Number.NaN,
    Number.NEGATIVE_INFINITY,
    MAX_FINITE_DURATION_MS + 1,
    '',
    '0s',
    '-5s',
    'bogus',
    '5',
    '5 seconds',
    '5x',
    'h',
    '1h-30m',
    null,
    {},
  ])('%j → INVALID_TTL that says how to express no expiry', (input) => {
    try {
      parseDuration(input as never, { cacheName: 'sessions', op: 'set' });
      expect.unreachable();
    } catch (e) {
      expect(isCacheError(e, 'INVALID_TTL')).toBe(true);
      expect((e as Error).message).toMatch(/cache "sessions" set/);
      expect((e as Error).message).toMatch(/Infinity/);
    }
  });
});
