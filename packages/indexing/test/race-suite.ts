import { randomBytes } from 'node:crypto';
import type { Cache } from '@gocache/core';
import { seededRandom } from '@gocache/core/conformance';
import { describe, expect, it } from 'vitest';
import { verifyIndexes } from '../src/verify-indexes.js';
import { withIndexes } from '../src/with-indexes.js';
import { type Backend, timeFor } from './backends.js';

interface Session {
  userId: string;
  roles: string[];
}

/** Tolerance at the expiry edge for real-time backends (clock skew between client and server). */
const EXPIRY_EDGE_MS = 5;

const SEED = Number(process.env.INDEXING_SEED ?? randomBytes(4).readUInt32LE(0));
const USERS = ['u0', 'u1', 'u2'];
const ROLES = ['admin', 'user'];
const KEYS = Array.from({ length: 8 }, (_, i) => `session:${i}`);

/** The exact truth: which live keys each index key must hold, from the values. */
async function truth(inner: Cache<Session>): Promise<Map<string, string[]>> {
  const vals = await inner.getMany(KEYS);
  const want = new Map<string, string[]>();
  const add = (id: string, k: string) => want.set(id, [...(want.get(id) ?? []), k]);
  for (const [k, v] of vals) {
    add(`by_user=${v.userId}`, k);
    for (const r of new Set(v.roles)) add(`by_role=${r}`, k);
  }
  return want;
}

const defs = {
  by_user: { pattern: 'session:*', by: (s: Session) => s.userId },
  by_role: { pattern: 'session:*', by: (s: Session) => s.roles },
};

/**
 * Random interleavings of every write path with deletes, revocations and expiry; after each round
 * the store's index sets must equal exactly what the live values derive. With `makePair`, writers
 * are split over two caches of one namespace (two processes, each with its own in-process locks).
 */
export function raceSuite(list: Backend[], rounds = 25): void {
  describe.each(list)('randomised interleavings on $name', (b) => {
    it(`value changes racing deletes, revocations and expiry leave exact memberships (seed ${SEED})`, async () => {
      const random = seededRandom(SEED);
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
      const time = timeFor(b);
      const [inner, twin] = b.makePair?.<Session>({ name: 'race', clock: time.clock }) ?? [
        b.make<Session>({ name: 'race', clock: time.clock }),
      ];
      const caches = [withIndexes(inner, defs), ...(twin === undefined ? [] : [withIndexes(twin, defs)])];
      const cache = caches[0]!;
      const session = (): Session => ({ userId: pick(USERS), roles: ROLES.filter(() => random() < 0.5) });
      const ttl = () => (random() < 0.3 ? 5 + Math.floor(random() * 20) : Number.POSITIVE_INFINITY);
      for (let round = 0; round < rounds; round++) {
        const ops: Promise<unknown>[] = [];
        for (let i = 0; i < 30; i++) {
          const key = pick(KEYS);
          const cache = pick(caches);
          const r = random();
          if (r < 0.25) ops.push(cache.set(key, session(), ttl()));
          else if (r < 0.45)
            ops.push(cache.update(key, (old) => ({ ...(old ?? session()), userId: pick(USERS) }), ttl()));
          else if (r < 0.55) ops.push(cache.delete(key));
          else if (r < 0.6) ops.push(cache.deleteWhere({ index: 'by_user', key: pick(USERS) }));
          else if (r < 0.68) ops.push(cache.setIfExists(key, session(), ttl()));
          else if (r < 0.74) ops.push(cache.setIfNotExists(key, session(), ttl()));
          else if (r < 0.82) ops.push(cache.getOrSet(key, () => session(), ttl()));
          else if (r < 0.9)
            ops.push(
              cache.setMany(
                [
                  [key, session()],
                  [pick(KEYS), session()],
                ],
                ttl(),
              ),
            );
          else ops.push(time.advance(Math.floor(random() * 15)));
        }
        const settled = await Promise.allSettled(ops);
        const failed = settled.filter((s) => s.status === 'rejected');
        expect(failed, `seed ${SEED} round ${round}`).toEqual([]);

        const want = await truth(inner);
        const sets = [...USERS.map((u) => `by_user=${u}`), ...ROLES.map((r) => `by_role=${r}`)];
        for (const id of sets) {
          const [name, indexKey] = id.split('=') as [string, string];
          const readAt = Date.now();
          const got = (await inner.getByIndex(name, indexKey)).sort();
          let expected = (want.get(id) ?? []).sort();
          if (b.realTime === true) {
            // With real time an entry may expire between the reads: only one still live is missing.
            // A server's clock and ours differ a little, so an entry within EXPIRY_EDGE_MS of its
            // expiry when the index was read may already be gone from the index (see the README).
            const metas = await Promise.all(expected.map((k) => inner.getMetadata(k)));
            expected = expected.filter((k, i) => {
              const m = metas[i];
              if (got.includes(k)) return true;
              return m !== undefined && (m.expiresAt === null || m.expiresAt > readAt + EXPIRY_EDGE_MS);
            });
          }
          const missing = expected.filter((k) => !got.includes(k));
          // Say what the store holds for a missing member, to tell a lost membership from a race in the check.
          const detail = await Promise.all(
            missing.map(async (k) => JSON.stringify({ k, v: await inner.get(k), meta: await inner.getMetadata(k) })),
          );
          expect(got, `seed ${SEED} round ${round} ${id} ${detail.join(' ')}`).toEqual(expected);
        }
      }
      // "Revoke all sessions of user X" leaves no session of X behind.
      for (const u of USERS) await cache.deleteWhere({ index: 'by_user', key: u });
      expect((await inner.getMany(KEYS)).size).toBe(0);
      expect(await verifyIndexes(cache)).toMatchObject({ missingCount: 0, danglingCount: 0 });
      for (const c of caches) await c.close();
    });
  });
}
