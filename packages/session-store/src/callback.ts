/** A Node-style callback, as express-session and @fastify/session pass them. */
export type Callback<R> = (err: unknown, result?: R) => void;

/**
 * Promise or callback, like connect-redis: without a callback the caller gets the promise; with
 * one, the outcome goes to the callback only (the promise is not returned, so a failure reported
 * to the callback is never also an unhandled rejection).
 */
export function finish<R>(work: Promise<R>, callback: Callback<R> | undefined): Promise<R> | undefined {
  if (callback === undefined) return work;
  work.then(
    (result) => callback(null, result),
    (err: unknown) => callback(err),
  );
  return undefined;
}
