/** A byte range of an `ArrayBuffer`/`SharedArrayBuffer` reachable from a value. */
export interface ByteRange {
  readonly buffer: ArrayBufferLike;
  readonly start: number;
  readonly end: number;
}

/**
 * Every byte range (Buffer, TypedArray, DataView, ArrayBuffer) reachable from `value` through
 * arrays, plain and class objects' own enumerable properties, Maps and Sets, down to `depth`
 * levels below `value`. Cycles are visited once.
 */
export function collectByteRanges(value: unknown, depth: number): ByteRange[] {
  const out: ByteRange[] = [];
  const seen = new Set<object>();
  const visit = (v: unknown, level: number): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (ArrayBuffer.isView(v)) {
      out.push({ buffer: v.buffer, start: v.byteOffset, end: v.byteOffset + v.byteLength });
      return;
    }
    if (v instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && v instanceof SharedArrayBuffer)) {
      out.push({ buffer: v, start: 0, end: v.byteLength });
      return;
    }
    if (level >= depth) return;
    if (Array.isArray(v)) {
      for (const x of v) visit(x, level + 1);
    } else if (v instanceof Map) {
      for (const [k, x] of v) {
        visit(k, level + 1);
        visit(x, level + 1);
      }
    } else if (v instanceof Set) {
      for (const x of v) visit(x, level + 1);
    } else if (!(v instanceof Promise) && !(v instanceof WeakMap) && !(v instanceof WeakSet)) {
      for (const k of Object.keys(v)) visit((v as Record<string, unknown>)[k], level + 1);
    }
  };
  visit(value, -1);
  return out;
}

/** Ranges grouped by their buffer, for overlap checks. */
export type RangeIndex = Map<ArrayBufferLike, ByteRange[]>;

/** Index `ranges` by buffer. */
export function indexRanges(ranges: readonly ByteRange[]): RangeIndex {
  const idx: RangeIndex = new Map();
  for (const r of ranges) {
    const list = idx.get(r.buffer);
    if (list === undefined) idx.set(r.buffer, [r]);
    else list.push(r);
  }
  return idx;
}

function overlaps(r: ByteRange, keep: RangeIndex | undefined): boolean {
  const list = keep?.get(r.buffer);
  if (list === undefined) return false;
  return list.some((k) => k.start < r.end && r.start < k.end);
}

/** What a wipe did. */
export interface WipeResult {
  /** Ranges zero-filled. */
  wiped: number;
  /** Bytes zero-filled. */
  bytes: number;
  /** Ranges left alone because they overlap a range of `keep` (e.g. the new value of an overwrite). */
  kept: number;
}

/**
 * Zero-fill `ranges`, except any that overlaps `keep`. Only the range itself is zeroed, never the
 * rest of its `ArrayBuffer`: small Node Buffers share one pooled allocation with unrelated data.
 */
export function wipeRanges(ranges: readonly ByteRange[], keep?: RangeIndex): WipeResult {
  const res: WipeResult = { wiped: 0, bytes: 0, kept: 0 };
  for (const r of ranges) {
    if (overlaps(r, keep)) {
      res.kept++;
      continue;
    }
    // A detached or shrunk buffer has nothing left to wipe.
    const end = Math.min(r.end, r.buffer.byteLength);
    if (end <= r.start) continue;
    new Uint8Array(r.buffer, r.start, end - r.start).fill(0);
    res.wiped++;
    res.bytes += end - r.start;
  }
  return res;
}
