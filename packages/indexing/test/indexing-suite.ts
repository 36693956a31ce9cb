import { type Cache, isCacheError } from '@gocache/core';
import { describe, expect, it } from 'vitest';
import type { IndexDefinitions } from '../src/types.js';
import { withIndexes } from '../src/with-indexes.js';
import { type Backend, timeFor } from './backends.js';

interface Session {
  userId: string;
  roles: string[];
  device?: string;
}

const defs = {
  sessions_by_user: { pattern: 'session:*', by: (s: Session) => s.userId },
  sessions_by_role: { pattern: 'session:*', by: (s: Session) => s.roles },
  sessions_by_device: { pattern: 'session:*', by: (s: Session) => s.device },
} satisfies IndexDefinitions<Session>;

const code = (c: string) => (e: unknown) => isCacheError(e) && e.code === c;

async function memberships(c: Cache<unknown>, key: string): Promise<string[]> {
  const meta = await c.getMetadata(key);
  return (meta?.indexes ?? []).map((i) => `${i.indexName}=${i.indexKey}`).sort();
}

function sessions(b: Backend) {
  const time = timeFor(b);
  const inner = b.make<Session>({ name: 'sessions', clock: time.clock });
  return { cache: withIndexes(inner, defs), time };
}

/** The behaviour of `withIndexes` on each backend (also run against Redis by the int tests). */
export function indexingSuite(list: Backend[]): void {
  describe.each(list)('withIndexes on $name', (b) => {
    it('reports whether the store keeps memberships atomically', async () => {
      const { cache } = sessions(b);
      expect(cache.atomicIndexes).toBe(b.atomic);
      expect(cache.indexNames).toEqual(['sessions_by_user', 'sessions_by_role', 'sessions_by_device']);
      await cache.close();
    });

    it('set indexes by one key, several, or none; keys outside the pattern join nothing', async () => {
      const { cache } = sessions(b);
      await cache.set('session:1', { userId: 'u1', roles: ['admin', 'user'], device: 'd1' });
      await cache.set('session:2', { userId: 'u1', roles: [] });
      await cache.set('other:1', { userId: 'u1', roles: ['admin'] });
      expect(await cache.keys({ index: 'sessions_by_user', key: 'u1' })).toEqual(['session:1', 'session:2']);
      expect(await cache.keys({ index: 'sessions_by_role', key: 'admin' })).toEqual(['session:1']);
      expect(await cache.keys({ index: 'sessions_by_role', key: 'user' })).toEqual(['session:1']);
      expect(await memberships(cache, 'session:2')).toEqual(['sessions_by_user=u1']);
      expect(await memberships(cache, 'other:1')).toEqual([]);
      await cache.close();
    });

    it('a value change moves the entry: it leaves admin and joins user', async () => {
      const { cache } = sessions(b);
      await cache.set('session:1', { userId: 'u1', roles: ['admin'] });
      await cache.set('session:1', { userId: 'u1', roles: ['user'] });
      expect(await cache.keys({ index: 'sessions_by_role', key: 'admin' })).toEqual([]);
      expect(await cache.keys({ index: 'sessions_by_role', key: 'user' })).toEqual(['session:1']);
      await cache.update('session:1', (s) => ({ ...s!, userId: 'u2' }));
      expect(await cache.keys({ index: 'sessions_by_user', key: 'u1' })).toEqual([]);
      expect(await cache.keys({ index: 'sessions_by_user', key: 'u2' })).toEqual(['session:1']);
      expect(await memberships(cache, 'session:1')).toEqual(['sessions_by_role=user', 'sessions_by_user=u2']);
      await cache.close();
    });

    it('re-setting the same object after its index keys changed in place moves the entry', async () => {
      // Two indexes (the usual plan) and three: an unchanged-write shortcut must still read the value.
      const two = withIndexes(b.make<Session>({ name: 'two', clock: timeFor(b).clock }), {
        sessions_by_user: defs.sessions_by_user,
        sessions_by_role: defs.sessions_by_role,
      });
      const { cache: three } = sessions(b);
      for (const cache of [two, three] as Cache<Session>[]) {
        const s: Session = { userId: 'u1', roles: ['admin'] };
        await cache.set('session:1', s);
        await cache.set('session:1', s);
        s.userId = 'u2';
        await cache.set('session:1', s);
        expect(await memberships(cache, 'session:1')).toEqual(['sessions_by_role=admin', 'sessions_by_user=u2']);
        s.roles[0] = 'user';
        await cache.set('session:1', s);
        expect(await memberships(cache, 'session:1')).toEqual(['sessions_by_role=user', 'sessions_by_user=u2']);
        s.roles.length = 0;
        await cache.set('session:1', s);
        expect(await memberships(cache, 'session:1')).toEqual(['sessions_by_user=u2']);
        s.roles.push('ops');
        s.device = 'd1';
        await cache.set('session:1', s);
        const want = ['sessions_by_role=ops', 'sessions_by_user=u2'];
        expect(await memberships(cache, 'session:1')).toEqual(
          cache === three ? ['sessions_by_device=d1', ...want] : want,
        );
        expect(await (cache as typeof two).keys({ index: 'sessions_by_user', key: 'u1' })).toEqual([]);
        expect(await (cache as typeof two).keys({ index: 'sessions_by_role', key: 'admin' })).toEqual([]);
        await cache.close();
      }
    });

    it('every write path keeps memberships: setMany, update, getOrSet, setIfExists, setIfNotExists', async () => {
      const { cache } = sessions(b);
      await cache.setMany([
        ['session:a', { userId: 'u1', roles: ['r1'] }],
        ['session:b', { userId: 'u2', roles: [] }],
      ]);
      await cache.setMany({ 'session:c': { userId: 'u1', roles: [] } });
      await cache.update('session:d', () => ({ userId: 'u1', roles: [] }));
      expect(await cache.getOrSet('session:e', () => ({ userId: 'u3', roles: [] }))).toEqual({
        userId: 'u3',
        roles: [],
      });
      expect(await cache.getOrSet('session:e', () => ({ userId: 'nobody', roles: [] }))).toEqual({
        userId: 'u3',
        roles: [],
      });
      expect(await cache.setIfNotExists('session:f', { userId: 'u4', roles: [] })).toBe(true);
      expect(await cache.setIfNotExists('session:f', { userId: 'u5', roles: [] })).toBe(false);
      expect(await cache.setIfExists('session:b', { userId: 'u4', roles: [] })).toBe(true);
      expect(await cache.setIfExists('session:zz', { userId: 'u4', roles: [] })).toBe(false);
      expect(await cache.keys({ index: 'sessions_by_user', key: 'u1' })).toEqual([
        'session:a',
        'session:c',
        'session:d',
      ]);
      expect(await cache.keys({ index: 'sessions_by_user', key: 'u2' })).toEqual([]);
      expect(await cache.keys({ index: 'sessions_by_user', key: 'u3' })).toEqual(['session:e']);
      expect(await cache.keys({ index: 'sessions_by_user', key: 'u4' })).toEqual(['session:b', 'session:f']);
      expect(await cache.keys({ index: 'sessions_by_user', key: 'u5' })).toEqual([]);
      expect(await cache.keys({ index: 'sessions_by_user', key: 'nobody' })).toEqual([]);
      await cache.close();
    });

    it('deletes, expiry and clear take entries out of every index', async () => {
      const { cache, time } = sessions(b);
      await cache.set('session:1', { userId: 'u1', roles: ['admin'] });
      await cache.set('session:2', { userId: 'u1', roles: ['admin'] }, 200);
      await cache.set('session:3', { userId: 'u1', roles: ['admin'] });
      await cache.set('session:4', { userId: 'u1', roles: ['admin'] });
      await cache.delete('session:1');
      await cache.deleteMany(['session:3']);
      await time.advance(300);
      expect(await cache.keys({ index: 'sessions_by_user', key: 'u1' })).toEqual(['session:4']);
      expect(await cache.count({ index: 'sessions_by_role', key: 'admin' })).toBe(1);
      await cache.clear();
      expect(
        await cache.keys({
          any: [
            { index: 'sessions_by_user', key: 'u1' },
            { index: 'sessions_by_role', key: 'admin' },
          ],
        }),
      ).toEqual([]);
      await cache.close();
    });

    it('queries: all = intersection, any = union; entries come with their values', async () => {
      const { cache } = sessions(b);
      await cache.set('session:1', { userId: 'u1', roles: ['admin'], device: 'phone' });
      await cache.set('session:2', { userId: 'u1', roles: ['user'], device: 'laptop' });
      await cache.set('session:3', { userId: 'u2', roles: ['admin'], device: 'phone' });
      const both = {
        all: [
          { index: 'sessions_by_user', key: 'u1' },
          { index: 'sessions_by_device', key: 'phone' },
        ],
      } as const;
      expect(await cache.keys(both)).toEqual(['session:1']);
      const either = {
        any: [
          { index: 'sessions_by_user', key: 'u2' },
          { index: 'sessions_by_role', key: 'user' },
        ],
      } as const;
      expect(await cache.keys(either)).toEqual(['session:2', 'session:3']);
      const entries = await cache.entries({ index: 'sessions_by_role', key: 'admin' });
      expect([...entries.keys()]).toEqual(['session:1', 'session:3']);
      expect(entries.get('session:3')).toEqual({ userId: 'u2', roles: ['admin'], device: 'phone' });
      // "revoke every session of user X on device Y"
      expect(await cache.deleteWhere(both)).toBe(1);
      expect(await cache.has('session:1')).toBe(false);
      expect(await cache.has('session:2')).toBe(true);
      // "revoke all sessions of user X"
      expect(await cache.deleteWhere({ index: 'sessions_by_user', key: 'u1' })).toBe(1);
      expect(await cache.keys({ index: 'sessions_by_user', key: 'u1' })).toEqual([]);
      expect(await cache.get('session:3')).toBeDefined();
      await cache.close();
    });

    it('bad input is refused with typed errors; a throwing by writes nothing', async () => {
      const inner = b.make<Session>({ name: 'bad' });
      expect(() => withIndexes(inner, { 'bad name!': { pattern: '*', by: () => 'x' } })).toThrow(/index name/);
      expect(() => withIndexes(inner, { i: { pattern: '', by: () => 'x' } })).toThrow(/pattern must be/);
      expect(() => withIndexes(inner, { i: { pattern: '*', by: 'userId' as never } })).toThrow(/by must be a function/);
      expect(() =>
        withIndexes(inner, { i: { pattern: '*', by: () => 'x', limit: { max: 0, onExceed: 'reject' } } }),
      ).toThrow(/limit.max/);
      expect(() => withIndexes(inner, {})).toThrow(/at least one index/);
      const cache = withIndexes(inner, {
        by_user: {
          pattern: 'session:*',
          by: (s) => {
            if (s.userId === 'boom') throw new Error('boom');
            return s.userId === 'empty' ? '' : s.userId;
          },
        },
      });
      expect(() => withIndexes(cache, { x: { pattern: '*', by: () => 'x' } })).toThrow(/already has indexes/);
      await expect(cache.set('session:1', { userId: 'boom', roles: [] })).rejects.toSatisfy(code('INVALID_VALUE'));
      await expect(cache.set('session:1', { userId: 'empty', roles: [] })).rejects.toSatisfy(code('INVALID_VALUE'));
      await expect(cache.update('session:2', () => ({ userId: 'boom', roles: [] }))).rejects.toSatisfy(
        code('INVALID_VALUE'),
      );
      expect(await cache.has('session:1')).toBe(false);
      expect(await cache.has('session:2')).toBe(false);
      await expect(cache.keys({ index: 'nope' as 'by_user', key: 'u' })).rejects.toThrow(
        /unknown index "nope"; declared: by_user/,
      );
      await expect(cache.keys({ all: [] })).rejects.toSatisfy(code('INVALID_ARGUMENT'));
      await expect(cache.set('session:3', undefined as never)).rejects.toSatisfy(code('INVALID_VALUE'));
      await cache.close();
    });
  });

  describe.each(list)('per-index-key limits on $name', (b) => {
    it('evict-oldest keeps the newest N entries of an index key (by creation time)', async () => {
      const time = timeFor(b);
      const inner = b.make<Session>({ name: 'lim', clock: time.clock });
      const cache = withIndexes(inner, {
        sessions_by_user: { pattern: 'session:*', by: (s) => s.userId, limit: { max: 3, onExceed: 'evict-oldest' } },
      });
      for (let i = 1; i <= 3; i++) {
        await cache.set(`session:${i}`, { userId: 'u1', roles: [] });
        await time.advance(10);
      }
      // Overwriting an existing member neither counts twice nor refreshes its age.
      await cache.set('session:1', { userId: 'u1', roles: ['x'] });
      expect(await cache.count({ index: 'sessions_by_user', key: 'u1' })).toBe(3);
      await cache.set('session:4', { userId: 'u1', roles: [] });
      await time.advance(10);
      expect(await cache.keys({ index: 'sessions_by_user', key: 'u1' })).toEqual([
        'session:2',
        'session:3',
        'session:4',
      ]);
      expect(await cache.has('session:1')).toBe(false);
      await cache.update('session:5', () => ({ userId: 'u1', roles: [] }));
      expect(await cache.keys({ index: 'sessions_by_user', key: 'u1' })).toEqual([
        'session:3',
        'session:4',
        'session:5',
      ]);
      await cache.set('session:9', { userId: 'u2', roles: [] });
      expect(await cache.keys({ index: 'sessions_by_user', key: 'u2' })).toEqual(['session:9']);
      await cache.close();
    });

    it('reject refuses the write that would exceed the limit, and writes nothing', async () => {
      const inner = b.make<Session>({ name: 'rej' });
      const cache = withIndexes(inner, {
        sessions_by_user: { pattern: 'session:*', by: (s) => s.userId, limit: { max: 2, onExceed: 'reject' } },
      });
      await cache.set('session:1', { userId: 'u1', roles: [] });
      await cache.set('session:2', { userId: 'u1', roles: [] });
      await cache.set('session:2', { userId: 'u1', roles: ['again'] });
      await expect(cache.set('session:3', { userId: 'u1', roles: [] })).rejects.toSatisfy(code('ACCESS_DENIED'));
      await expect(cache.setIfNotExists('session:3', { userId: 'u1', roles: [] })).rejects.toSatisfy(
        code('ACCESS_DENIED'),
      );
      await cache.set('session:3', { userId: 'u2', roles: [] });
      await expect(cache.update('session:3', (s) => ({ ...s!, userId: 'u1' }))).rejects.toSatisfy(
        code('ACCESS_DENIED'),
      );
      expect((await cache.get('session:3'))?.userId).toBe('u2');
      await expect(
        cache.setMany([
          ['session:4', { userId: 'u3', roles: [] }],
          ['session:5', { userId: 'u3', roles: [] }],
          ['session:6', { userId: 'u3', roles: [] }],
        ]),
      ).rejects.toSatisfy(code('ACCESS_DENIED'));
      expect(await cache.keys({ index: 'sessions_by_user', key: 'u1' })).toEqual(['session:1', 'session:2']);
      await cache.delete('session:1');
      await cache.set('session:3', { userId: 'u1', roles: [] });
      expect(await cache.keys({ index: 'sessions_by_user', key: 'u1' })).toEqual(['session:2', 'session:3']);
      // Concurrent logins of one user: never more than the limit.
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => cache.set(`session:c${i}`, { userId: 'u9', roles: [] })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
      expect(await cache.count({ index: 'sessions_by_user', key: 'u9' })).toBe(2);
      await cache.close();
    });
  });
}
