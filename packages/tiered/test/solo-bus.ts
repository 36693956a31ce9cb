import type { InvalidationBus } from '@gocache/core';

/** One process alone: its bus is always up (so reads use L1) and nobody else listens. */
export const soloBus: InvalidationBus = {
  origin: 'solo',
  state: 'up',
  publish: async () => {},
  subscribe: (l) => {
    l.onState('up');
    return () => {};
  },
  ready: async () => {},
  close: async () => {},
};
