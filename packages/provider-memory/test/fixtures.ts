import type { EntryLeaveEvent, LeaveReason, StoreConfig } from '@gocache/core';
import { storeConfig } from '@gocache/core/store-kit';
import { memoryProvider } from '../src/memory-provider.js';
import type { MemoryStore } from '../src/memory-store.js';
import type { MemoryProviderOptions } from '../src/options.js';

/** A clock tests move by hand. */
export interface FakeClock {
  now: () => number;
  advance(ms: number): void;
  set(ms: number): void;
}

export function fakeClock(start = 1_700_000_000_000): FakeClock {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
    set: (ms) => {
      t = ms;
    },
  };
}

export interface StoreFixture<T> {
  store: MemoryStore<T>;
  clock: FakeClock;
  /** Leave events in order, when `observe` was not false. */
  events: { key: string; reason: LeaveReason; value?: unknown }[];
  reasons(): string[];
}

/** A store made the way core makes one, with a fake clock and a leave-event recorder. */
export function makeStore<T = unknown>(
  config: Partial<Omit<StoreConfig, 'onLeave'>> & { observe?: boolean } = {},
  providerOptions?: MemoryProviderOptions,
): StoreFixture<T> {
  const clock = fakeClock();
  const events: StoreFixture<T>['events'] = [];
  const onLeave = (e: EntryLeaveEvent) => {
    events.push({ key: e.key, reason: e.reason, value: e.value });
  };
  const { observe, ...given } = config;
  const store = memoryProvider(providerOptions).createStore<T>(
    storeConfig({ name: 'test', now: clock.now, ...given, onLeave: observe === false ? undefined : onLeave }),
  ) as MemoryStore<T>;
  return { store, clock, events, reasons: () => events.map((e) => `${e.key}:${e.reason}`) };
}
