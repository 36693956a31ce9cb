import type { Clock } from '../types.js';

/** A clock that moves only when told to, so TTL edges are checked exactly and without sleeping. */
export class FakeClock implements Clock {
  #now: number;

  /** @param start epoch ms the clock starts at */
  constructor(start: number) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** Move time forward by `ms`. */
  advance(ms: number): void {
    this.#now += ms;
  }
}
