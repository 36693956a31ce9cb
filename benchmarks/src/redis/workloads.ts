import type { RedisContender, Value } from './contenders.ts';

/** Keys per getMany call. */
const MANY = 100;
/** Distinct start positions of getMany windows (each window is MANY consecutive keys). */
const MANY_WINDOWS = 1_000;

/** One operation of redis-ops. */
export interface Workload {
  op: string;
  /** Ops per pass relative to a single-key op (getMany moves 100 keys per op). */
  scale: number;
  fn: (c: RedisContender) => (id: number) => Promise<unknown>;
}

/** The keys and values every contender stores: the same in the parent and in each child process. */
export interface Dataset {
  readonly keys: readonly string[];
  readonly values: readonly Value[];
}

/** The value of key `i`: a small object, as an application stores (`createdAt` in epoch ms). */
export function userValue(i: number): Value {
  return { id: i, userId: `u${i % 997}`, createdAt: 1_700_000_000_000 + i };
}

export function dataset(keySpace: number): Dataset {
  const keys = Array.from({ length: keySpace }, (_, i) => `user:${i}`);
  return { keys, values: keys.map((_, i) => userValue(i)) };
}

/** Store every key (500 at a time) and check one value reads back. */
export async function prefill(c: RedisContender, d: Dataset): Promise<void> {
  for (let i = 0; i < d.keys.length; i += 500) {
    await Promise.all(d.keys.slice(i, i + 500).map((k, j) => c.set(k, d.values[i + j] as Value)));
  }
  const v = await c.get(d.keys[7] as string);
  if (v?.id !== 7 || v.userId !== 'u7' || v.createdAt !== 1_700_000_000_007) {
    throw new Error(`${c.name} did not return the stored value after prefill: ${JSON.stringify(v)}`);
  }
}

/** The operations of redis-ops, in the order they run. */
export function workloads(d: Dataset): Workload[] {
  const { keys, values } = d;
  const windows = Array.from({ length: Math.min(MANY_WINDOWS, keys.length) }, (_, w) =>
    Array.from({ length: MANY }, (_, j) => keys[(w + j) % keys.length] as string),
  );
  const loader = (): Value => values[0] as Value;
  const bump = (old: Value | undefined): Value => ({ ...(old ?? userValue(0)), id: (old?.id ?? 0) + 1 });
  return [
    { op: 'get-hit', scale: 1, fn: (c) => (id) => c.get(keys[id] as string) },
    { op: 'set', scale: 1, fn: (c) => (id) => c.set(keys[id] as string, values[id] as Value) },
    { op: `getMany(${MANY})`, scale: 1 / 20, fn: (c) => (id) => c.getMany(windows[id % windows.length]!) },
    { op: 'getOrSet-hit', scale: 1, fn: (c) => (id) => c.getOrSet(keys[id] as string, loader) },
    { op: 'update', scale: 1 / 2, fn: (c) => (id) => c.update(keys[id] as string, bump) },
  ];
}
