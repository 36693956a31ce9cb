import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { type CacheError, type CacheErrorCode, isCacheError } from '../errors.js';

/**
 * Await `work` (a promise or a function, which may also throw synchronously) and assert it fails
 * with a `CacheError` of `code`. Returns the error for further checks.
 */
export async function rejectsWith(
  work: Promise<unknown> | (() => unknown),
  code: CacheErrorCode,
  what: string,
): Promise<CacheError> {
  let failed = false;
  let error: unknown;
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (e) {
    failed = true;
    error = e;
  }
  assert.ok(failed, `${what}: expected a CacheError ${code}, but it succeeded`);
  assert.ok(isCacheError(error), `${what}: expected a CacheError ${code}, got ${describeError(error)}`);
  assert.equal(error.code, code, `${what}: expected code ${code}, got ${error.code} (${error.message})`);
  return error;
}

/** Assert `work` fails with any `CacheError` (where the contract fixes no single code). */
export async function rejectsWithCacheError(
  work: Promise<unknown> | (() => unknown),
  what: string,
): Promise<CacheError> {
  let failed = false;
  let error: unknown;
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (e) {
    failed = true;
    error = e;
  }
  assert.ok(failed, `${what}: expected a CacheError, but it succeeded`);
  assert.ok(isCacheError(error), `${what}: expected a CacheError, got ${describeError(error)}`);
  return error;
}

/** A value as an assertion message shows it: short, one line. */
function show(value: unknown): string {
  return inspect(value, { depth: 4, breakLength: Number.POSITIVE_INFINITY, maxArrayLength: 20, maxStringLength: 200 });
}

/**
 * Assert `actual` is `expected` (`Object.is`), with a message that says what was checked, what
 * was expected and what came back: `what: expected 1, got 4`.
 */
export function equal<T>(actual: unknown, expected: T, what: string): asserts actual is T {
  if (!Object.is(actual, expected)) {
    throw new assert.AssertionError({
      message: `${what}: expected ${show(expected)}, got ${show(actual)}`,
      actual,
      expected,
      operator: 'strictEqual',
    });
  }
}

/** Assert `actual` deep-equals `expected` (strict), with `what`, the expected and the actual value in the message. */
export function deepEqual<T>(actual: unknown, expected: T, what: string): asserts actual is T {
  try {
    assert.deepStrictEqual(actual, expected);
  } catch {
    throw new assert.AssertionError({
      message: `${what}: expected ${show(expected)}, got ${show(actual)}`,
      actual,
      expected,
      operator: 'deepStrictEqual',
    });
  }
}

/** Drain an async iterable into an array. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Sorted copy, for order-insensitive comparisons of key lists. */
export function sorted(items: Iterable<string>): string[] {
  return [...items].sort();
}

/** Resolve after `ms` of real time. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Fail instead of hanging when `work` does not settle within `ms` (a deadlock is a failure). */
/** Wait (real time) until `check` holds, for at most `ms`; true if it did. */
export async function eventually(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await sleep(5);
  }
}

export async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new assert.AssertionError({ message: `${what}: did not settle within ${ms} ms` })),
      ms,
    );
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** A promise with its resolve/reject exposed (loaders the test releases by hand). */
export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.constructor.name}: ${e.message}`;
  return String(e);
}
