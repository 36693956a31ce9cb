import { randomBytes } from 'node:crypto';
import type { Cache, CacheProvider, Middleware } from '@gocache/core';
import { createCache } from '@gocache/core';
import { timingProtection } from '@gocache/middleware-security';
import { memoryProvider } from '@gocache/provider-memory';
import { redisProvider } from '@gocache/provider-redis';
import { Redis } from 'ioredis';
import { createRng } from '../lib/rng.ts';
import type { Row, Suite } from '../lib/suite.ts';

/** |t| below this counts as "no detectable difference" (the bar for the protected runs). */
const T_LIMIT = 4.5;

interface Session {
  id: string;
  userId: string;
  roles: string[];
  csrf: string;
  prefs: Record<string, string>;
}

/** Welch's t statistic and the figures it comes from. */
interface Welch {
  t: number;
  meanHit: number;
  meanMiss: number;
  sdHit: number;
  sdMiss: number;
}

function meanVar(xs: Float64Array): [number, number] {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m += xs[i] as number;
  m /= xs.length;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += ((xs[i] as number) - m) ** 2;
  return [m, v / (xs.length - 1)];
}

/** Welch's unequal-variance t statistic of two samples. */
function welch(hit: Float64Array, miss: Float64Array): Welch {
  const [mh, vh] = meanVar(hit);
  const [mm, vm] = meanVar(miss);
  return {
    t: (mh - mm) / Math.sqrt(vh / hit.length + vm / miss.length),
    meanHit: mh,
    meanMiss: mm,
    sdHit: Math.sqrt(vh),
    sdMiss: Math.sqrt(vm),
  };
}

/** A random order of `n` hits and `n` misses (true = hit), so drift hits both classes alike. */
function schedule(n: number, seed: number): Uint8Array {
  const s = new Uint8Array(2 * n);
  s.fill(1, 0, n);
  const rng = createRng(seed);
  for (let i = s.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const x = s[i] as number;
    s[i] = s[j] as number;
    s[j] = x;
  }
  return s;
}

/**
 * Time `n` hits and `n` misses in random order, `inflight` at a time. Each sample is one call's
 * own duration: from just before the call to its continuation (what a remote caller would see).
 */
async function sample(
  cache: Cache<Session>,
  n: number,
  inflight: number,
  seed: number,
): Promise<{ hit: Float64Array; miss: Float64Array }> {
  const order = schedule(n, seed);
  const hit = new Float64Array(n);
  const miss = new Float64Array(n);
  let h = 0;
  let m = 0;
  const one = async (isHit: boolean, i: number) => {
    const key = isHit ? `session:${i % 100}` : `absent:${i}`;
    const t0 = performance.now();
    await cache.get(key);
    const dt = performance.now() - t0;
    if (isHit) hit[h++] = dt;
    else miss[m++] = dt;
  };
  for (let i = 0; i < order.length; i += inflight) {
    const batch: Promise<void>[] = [];
    for (let j = i; j < Math.min(i + inflight, order.length); j++) batch.push(one(order[j] === 1, j));
    await Promise.all(batch);
  }
  return { hit, miss };
}

function session(i: number, prefCount: number): Session {
  const prefs: Record<string, string> = {};
  for (let k = 0; k < prefCount; k++) prefs[`pref${k}`] = `value-${i}-${k}`.padEnd(24, '.');
  return { id: `s${i}`, userId: `u${i}`, roles: ['user', 'reader'], csrf: randomBytes(16).toString('hex'), prefs };
}

interface Setup {
  backend: string;
  provider: () => CacheProvider;
  /** What the unprotected cache does on a hit that a miss does not (the leak to hide). */
  note: string;
  minProcessingTime: number;
  inflightUnprotected: number;
  inflightProtected: number;
  clone: 'none' | 'structured';
  /** Entries of `prefs` in each stored session (~32 bytes each). */
  prefCount: number;
}

/**
 * Hit-vs-miss timing with and without `timingProtection`, on memory and on Redis: Welch's t over
 * ≥ 20,000 samples per class (500 in smoke). Without protection |t| is large (a caller can tell
 * a hit from a miss); with it, |t| < 4.5.
 */
export const suite: Suite = {
  name: 'security-timing',
  description: "timingProtection: hit vs miss durations and Welch's t, memory and Redis, with and without protection",
  async run({ smoke, report }) {
    const n = smoke ? 500 : 20_000;
    const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const prefix = `gcbench-sec-${randomBytes(4).toString('hex')}`;
    const client = new Redis(url, { maxRetriesPerRequest: 1 });
    const setups: Setup[] = [
      {
        backend: 'memory',
        provider: () => memoryProvider(),
        note: "clone: 'structured' — a hit copies a ~3 KB session, a miss copies nothing",
        minProcessingTime: 2,
        inflightUnprotected: 1,
        inflightProtected: 50,
        clone: 'structured',
        prefCount: 100,
      },
      {
        backend: 'redis',
        provider: () => redisProvider({ client, prefix }),
        note: 'a hit transfers and decodes a ~16 KB session, a miss gets nil',
        minProcessingTime: 5,
        inflightUnprotected: 1,
        inflightProtected: 50,
        clone: 'none',
        prefCount: 400,
      },
    ];
    const rows: Row[] = [];
    let failures = 0;
    try {
      for (const s of setups) {
        for (const protectedRun of [false, true]) {
          const middleware: Middleware[] = protectedRun
            ? [timingProtection({ minProcessingTime: s.minProcessingTime })]
            : [];
          const provider = s.provider();
          const cache = createCache<Session>(provider, {
            name: `timing-${protectedRun ? 'on' : 'off'}`,
            middleware,
            clone: s.clone,
          });
          for (let i = 0; i < 100; i++) await cache.set(`session:${i}`, session(i, s.prefCount));
          // Warm-up: JIT, connection, first-touch allocations.
          await sample(cache, Math.min(n, 2_000), protectedRun ? s.inflightProtected : 1, 7);
          const inflight = protectedRun ? s.inflightProtected : s.inflightUnprotected;
          const t0 = performance.now();
          const { hit, miss } = await sample(cache, n, inflight, 11);
          const seconds = (performance.now() - t0) / 1000;
          const w = welch(hit, miss);
          const pass = protectedRun ? Math.abs(w.t) < T_LIMIT : Math.abs(w.t) >= T_LIMIT;
          if (!pass) failures++;
          rows.push({
            backend: s.backend,
            protection: protectedRun ? `min ${s.minProcessingTime} ms` : 'none',
            inflight,
            'samples/class': n,
            'hit mean µs': w.meanHit * 1000,
            'miss mean µs': w.meanMiss * 1000,
            'hit sd µs': w.sdHit * 1000,
            'miss sd µs': w.sdMiss * 1000,
            "Welch's t": w.t,
            expected: protectedRun ? `|t| < ${T_LIMIT}` : `|t| ≥ ${T_LIMIT}`,
            met: pass,
            seconds,
          });
          await cache.clear();
          await cache.close();
          if (s.backend === 'memory') await provider.close();
        }
      }
    } finally {
      client.disconnect();
    }
    report.table("hit vs miss timing (Welch's t)", rows);
    for (const s of setups) report.note(`${s.backend}: ${s.note}.`);
    report.note(
      `Protected runs issue ${setups[0]!.inflightProtected} calls at a time (independent padding), so ${n} samples per class take seconds, not minutes; hits and misses are interleaved in one random order.`,
    );
    if (smoke) report.note('smoke: too few samples to judge the target; run without --smoke for the real figures');
    else
      report.note(
        failures === 0
          ? `target met: every unprotected run shows the difference (|t| ≥ ${T_LIMIT}), every protected run hides it (|t| < ${T_LIMIT})`
          : `target MISSED in ${failures} run(s); see the table`,
      );
  },
};
