import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';

function clocked(opts = { failureThreshold: 3, resetTimeout: 1000 }) {
  let t = 0;
  const b = new CircuitBreaker(opts, () => t);
  return { b, advance: (ms: number) => (t += ms) };
}

describe('circuit breaker', () => {
  it('stays closed below the threshold and resets the count on success', () => {
    const { b } = clocked();
    b.onFailure();
    b.onFailure();
    b.onSuccess();
    b.onFailure();
    b.onFailure();
    expect(b.state).toBe('closed');
    expect(b.tryAcquire()).toBe(true);
  });

  it('opens after consecutive failures and fails fast until the reset timeout', () => {
    const { b, advance } = clocked();
    for (let i = 0; i < 3; i++) b.onFailure();
    expect(b.state).toBe('open');
    expect(b.tryAcquire()).toBe(false);
    expect(b.retryInMs()).toBe(1000);
    advance(999);
    expect(b.tryAcquire()).toBe(false);
    expect(b.retryInMs()).toBe(1);
  });

  it('half-opens after the timeout and lets exactly one probe through', () => {
    const { b, advance } = clocked();
    for (let i = 0; i < 3; i++) b.onFailure();
    advance(1000);
    expect(b.state).toBe('half-open');
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false);
    expect(b.tryAcquire()).toBe(false);
  });

  it('closes when the probe succeeds', () => {
    const { b, advance } = clocked();
    for (let i = 0; i < 3; i++) b.onFailure();
    advance(1000);
    b.tryAcquire();
    b.onSuccess();
    expect(b.state).toBe('closed');
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(true);
  });

  it('re-opens for another full timeout when the probe fails', () => {
    const { b, advance } = clocked();
    for (let i = 0; i < 3; i++) b.onFailure();
    advance(1500);
    expect(b.tryAcquire()).toBe(true);
    b.onFailure();
    expect(b.state).toBe('open');
    advance(999);
    expect(b.tryAcquire()).toBe(false);
    advance(1);
    expect(b.tryAcquire()).toBe(true);
  });

  it('uses defaults of 5 failures and 1 s', () => {
    let t = 0;
    const b = new CircuitBreaker({}, () => t);
    for (let i = 0; i < 4; i++) b.onFailure();
    expect(b.state).toBe('closed');
    b.onFailure();
    expect(b.state).toBe('open');
    t += 1000;
    expect(b.state).toBe('half-open');
  });
});
