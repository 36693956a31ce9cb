import { describe, expect, it } from 'vitest';
import { expiresAt, expiryClock, expiryMetadata, isExpired, NEVER } from './expiry.js';

describe('expiry clock', () => {
  it('is alive at ttl − 1 ms and gone exactly at ttl', () => {
    let t = 1_000;
    const clock = expiryClock(() => t);
    const at = clock.expiresAt(50);
    expect(at).toBe(1_050);
    t = 1_049;
    expect(clock.isExpired(at)).toBe(false);
    t = 1_050;
    expect(clock.isExpired(at)).toBe(true);
    expect(isExpired(expiresAt(1_000, 50), 1_049)).toBe(false);
    expect(isExpired(expiresAt(1_000, 50), 1_050)).toBe(true);
  });

  it('Infinity never expires and has no expiresAt in metadata', () => {
    const at = expiresAt(Date.now(), Number.POSITIVE_INFINITY);
    expect(at).toBe(NEVER);
    expect(isExpired(at, Number.MAX_VALUE)).toBe(false);
    expect(expiryMetadata(at)).toBeNull();
    expect(expiryMetadata(1_050)).toBe(1_050);
  });
});
