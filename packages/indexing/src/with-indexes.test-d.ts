import type { Cache } from '@gocache/core';
import { expectTypeOf } from 'vitest';
import type { IndexedCache } from './types.js';
import { withIndexes } from './with-indexes.js';

interface Session {
  userId: string;
  roles: string[];
}

declare const cache: Cache<Session>;

const sessions = withIndexes(cache, {
  sessions_by_user: { pattern: 'session:*', by: (s) => s.userId },
  sessions_by_role: { pattern: 'session:*', by: (s) => s.roles, limit: { max: 5, onExceed: 'evict-oldest' } },
});

// The value type and the index names flow through.
expectTypeOf(sessions).toEqualTypeOf<IndexedCache<Session, 'sessions_by_user' | 'sessions_by_role'>>();
expectTypeOf(sessions).toExtend<Cache<Session>>();
expectTypeOf(sessions.get('k')).resolves.toEqualTypeOf<Session | undefined>();
expectTypeOf(sessions.entries({ index: 'sessions_by_user', key: 'u1' })).resolves.toEqualTypeOf<Map<string, Session>>();
expectTypeOf(sessions.indexNames).toEqualTypeOf<readonly ('sessions_by_user' | 'sessions_by_role')[]>();

// `by` sees the value type.
withIndexes(cache, {
  // @ts-expect-error: Session has no `user` field
  bad: { pattern: '*', by: (s) => s.user },
});
withIndexes(cache, {
  // @ts-expect-error: an index key must be a string (or strings), not a number
  bad: { pattern: '*', by: (s) => s.roles.length },
});
withIndexes(cache, {
  // @ts-expect-error: onExceed is 'evict-oldest' or 'reject'
  bad: { pattern: '*', by: (s) => s.userId, limit: { max: 5, onExceed: 'drop' } },
});

// A typo in an index name is a compile error.
// @ts-expect-error: 'sessions_by_usr' is not a declared index
void sessions.keys({ index: 'sessions_by_usr', key: 'u1' });
void sessions.deleteWhere({
  all: [
    { index: 'sessions_by_user', key: 'u1' },
    // @ts-expect-error: every term of a combined query is checked too
    { index: 'by_role', key: 'admin' },
  ],
});
void sessions.keys({
  any: [
    { index: 'sessions_by_user', key: 'u1' },
    { index: 'sessions_by_role', key: 'admin' },
  ],
});
