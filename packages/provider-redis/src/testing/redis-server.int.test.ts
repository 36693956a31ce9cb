import { describe, expect, it } from 'vitest';
import { livePids } from './orphan-guard.js';
import { redisCli } from './redis-cli.js';
import { startRedisServer } from './redis-server.js';

describe('startRedisServer', () => {
  it('starts on a free port without persistence, and stops by pid', async () => {
    const server = await startRedisServer();
    expect(server.port).not.toBe(6379);
    expect(await redisCli(server.port, ['CONFIG', 'GET', 'save'])).toBe('save');
    expect(await redisCli(server.port, ['CONFIG', 'GET', 'appendonly'])).toBe('appendonly\nno');
    expect(livePids()).toContain(server.pid);
    const pid = server.pid;
    await server.stop();
    expect(server.running).toBe(false);
    expect(livePids()).not.toContain(pid);
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('pauses with SIGSTOP, resumes with SIGCONT, and restarts on the same port', async () => {
    const server = await startRedisServer();
    try {
      server.pause();
      await expect(redisCli(server.port, ['PING'], { timeoutMs: 300 })).rejects.toThrow();
      server.resume();
      expect(await redisCli(server.port, ['PING'])).toBe('PONG');
      await redisCli(server.port, ['SET', 'k', 'v']);
      const before = server.pid;
      await server.restart();
      expect(server.pid).not.toBe(before);
      expect(await redisCli(server.port, ['PING'])).toBe('PONG');
      // Persistence is off: a restart starts empty.
      expect(await redisCli(server.port, ['EXISTS', 'k'])).toBe('0');
    } finally {
      await server.stop();
    }
  });

  it('stops a paused server', async () => {
    const server = await startRedisServer();
    server.pause();
    await server.stop(500);
    expect(server.running).toBe(false);
  });
});
