import { describe, expect, it } from 'vitest';
import { type IoredisLike, ioredisCommands } from './ioredis.js';
import { nodeRedisCommands } from './node-redis.js';

function ioredis(status: string, extra: Record<string, unknown> = {}): IoredisLike {
  return {
    status,
    callBuffer: async () => null,
    pipeline: () => ({ callBuffer: () => undefined, exec: async () => [] }),
    ...extra,
  } as IoredisLike;
}

describe('what the client reports about its connection', () => {
  for (const cluster of [false, true]) {
    const kind = cluster ? 'ioredis Cluster' : 'ioredis Redis';
    const c = (status: string, extra: Record<string, unknown> = {}) =>
      ioredisCommands(ioredis(status, { ...extra, ...(cluster ? { isCluster: true, nodes: () => [] } : {}) }));

    it(`${kind}: ready; a first connection attempt may queue; any failed attempt, loss or end is down`, () => {
      expect(c('ready').readiness()).toBe('ready');
      for (const s of ['wait', 'connecting', 'connect'])
        expect(c(s, { retryAttempts: 0 }).readiness()).toBe('starting');
      // After a failed attempt the client says 'reconnecting' during the back-off and 'connecting'
      // during the next try; retryAttempts tells that 'connecting' from the first one.
      for (const s of ['connecting', 'connect']) expect(c(s, { retryAttempts: 3 }).readiness()).toBe('down');
      for (const s of ['reconnecting', 'close', 'end', 'disconnecting']) expect(c(s).readiness()).toBe('down');
      // With the offline queue off ioredis refuses commands until ready anyway.
      expect(c('connecting', { retryAttempts: 0, options: { enableOfflineQueue: false } }).readiness()).toBe('down');
      expect(c('reconnecting').connectionState()).toBe('status "reconnecting"');
    });
  }

  it('node-redis client and cluster: anything but ready is down', () => {
    const client = (isOpen: boolean, isReady: boolean) =>
      nodeRedisCommands({ isOpen, isReady, sendCommand: async () => null });
    const cluster = (isOpen: boolean, isReady: boolean) =>
      nodeRedisCommands({
        isOpen,
        isReady,
        sendCommand: async () => null,
        masters: [],
        nodeClient: () => client(true, true) as never,
      });
    for (const make of [client, cluster]) {
      expect(make(true, true).readiness()).toBe('ready');
      expect(make(true, false).readiness()).toBe('down'); // connecting or reconnecting
      expect(make(false, false).readiness()).toBe('down'); // never connected, or closed
      expect(make(true, false).connectionState()).toBe('isOpen true, isReady false');
    }
    expect(cluster(true, true).isCluster).toBe(true);
  });
});
