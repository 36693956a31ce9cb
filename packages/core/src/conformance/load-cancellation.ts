import type { LoaderContext } from '../types.js';
import { deferred, equal, rejectsWith, sleep, within } from './assertions.js';
import type { ConformanceKit } from './kit.js';

/** Resolve when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** getOrSet cancellation: per-waiter and all-waiter aborts, close(), loader timeouts. */
export function loadCancellationGroup(kit: ConformanceKit): void {
  kit.describe('getOrSet cancellation and timeouts', () => {
    kit.it("one waiter's abort rejects only that waiter; the load continues for the others", async (h) => {
      const c = await h.cache();
      const gate = deferred<void>();
      const started = deferred<void>();
      let loaderSignal: AbortSignal | undefined;
      const ac = new AbortController();
      const loader = async (ctx: LoaderContext) => {
        loaderSignal = ctx.signal;
        started.resolve();
        await gate.promise;
        return 'v';
      };
      // The staying waiter starts the load, so the flight always has a waiter that does not abort.
      const staying = c.getOrSet('k', loader);
      await within(started.promise, 2_000, 'the loader to start');
      const leaving = c.getOrSet('k', loader, { signal: ac.signal });
      await sleep(20);
      ac.abort();
      await rejectsWith(within(leaving, 2_000, 'the aborted waiter'), 'ABORTED', 'the aborted waiter');
      equal(loaderSignal?.aborted, false, 'the loader is not aborted while a waiter remains');
      gate.resolve();
      equal(await staying, 'v', 'the value the waiter that did not abort gets');
      equal(await c.get('k'), 'v', 'the shared load was stored');
    });

    kit.it("the loader's signal aborts when every waiter aborted; nothing is stored", async (h) => {
      const c = await h.cache();
      const acs = [new AbortController(), new AbortController()];
      let loaderSignal: AbortSignal | undefined;
      const started = deferred<void>();
      const loaderAborted = deferred<void>();
      const late = deferred<string>();
      const loader = async (ctx: LoaderContext) => {
        loaderSignal = ctx.signal;
        aborted(ctx.signal).then(() => loaderAborted.resolve());
        started.resolve();
        return late.promise;
      };
      const first = c.getOrSet('k', loader, { signal: acs[0]!.signal });
      await within(started.promise, 2_000, 'the loader to start');
      const second = c.getOrSet('k', loader, { signal: acs[1]!.signal });
      await sleep(20);
      for (const ac of acs) ac.abort();
      for (const w of [first, second])
        await rejectsWith(within(w, 2_000, 'an aborted waiter'), 'ABORTED', 'an aborted waiter');
      await within(loaderAborted.promise, 2_000, "the loader's signal after every waiter aborted");
      equal(loaderSignal?.aborted, true, 'whether the loader signal aborted after every waiter aborted');
      late.resolve('too late');
      await sleep(10);
      equal(await c.has('k'), false, 'an abandoned load is not stored');
    });

    kit.it('a waiter that aborts right after the call (while its miss is being read) rejects promptly', async (h) => {
      const c = await h.cache();
      const ac = new AbortController();
      const late = deferred<string>();
      let loaderSignal: AbortSignal | undefined;
      // Aborting in the same tick lands between core's up-front signal check and the moment the
      // caller joins the load (after an asynchronous store has answered the miss).
      const waiter = c.getOrSet(
        'k',
        (ctx) => {
          loaderSignal = ctx.signal;
          return late.promise;
        },
        { signal: ac.signal },
      );
      ac.abort();
      await rejectsWith(
        within(waiter, 2_000, 'a waiter aborted during its miss read'),
        'ABORTED',
        'the aborted waiter',
      );
      if (loaderSignal !== undefined) equal(loaderSignal.aborted, true, 'a loader nobody waits for is aborted');
      late.resolve('late');
      await sleep(10);
      equal(await c.has('k'), false, 'nothing is stored for a load nobody waited for');
    });

    kit.it('an already-aborted signal rejects with ABORTED without calling the loader', async (h) => {
      const c = await h.cache();
      let calls = 0;
      await rejectsWith(
        c.getOrSet('k', () => ++calls, { signal: AbortSignal.abort() }),
        'ABORTED',
        'getOrSet with an aborted signal',
      );
      equal(calls, 0, 'loader calls for a getOrSet with an already-aborted signal');
      equal(await c.has('k'), false, "c.has('k')");
    });

    kit.it("close() aborts the loader's signal and rejects its waiters with CLOSED", async (h) => {
      const c = await h.cache();
      const started = deferred<void>();
      const loaderAborted = deferred<void>();
      const never = deferred<string>();
      const waiter = c.getOrSet('k', (ctx) => {
        aborted(ctx.signal).then(() => loaderAborted.resolve());
        started.resolve();
        return never.promise;
      });
      // The waiter gets its handler before close() rejects it, which may take a while.
      const outcome = rejectsWith(
        within(waiter, 5_000, 'the waiter after close()'),
        'CLOSED',
        'a waiter when the cache closed',
      );
      await started.promise;
      await c.close();
      await within(loaderAborted.promise, 2_000, "the loader's signal after close()");
      await outcome;
      never.resolve('late');
    });

    kit.it('a loader timeout rejects with TIMEOUT, aborts the loader and stores nothing', async (h) => {
      const c = await h.cache();
      const late = deferred<string>();
      let loaderSignal: AbortSignal | undefined;
      const e = await rejectsWith(
        within(
          c.getOrSet(
            'k',
            (ctx) => {
              loaderSignal = ctx.signal;
              return late.promise;
            },
            { timeout: 50 },
          ),
          5_000,
          'getOrSet with a 50 ms timeout',
        ),
        'TIMEOUT',
        'a loader slower than its timeout',
      );
      equal(e.op, 'getOrSet', 'the op of a loader TIMEOUT');
      equal(loaderSignal?.aborted, true, "the loader's signal aborts on timeout");
      late.resolve('too late');
      await sleep(10);
      equal(await c.has('k'), false, 'a timed-out load is not stored');
    });

    kit.it('the loaderTimeout cache option applies to every getOrSet', async (h) => {
      const c = await h.cache({ loaderTimeout: 50 });
      const late = deferred<string>();
      await rejectsWith(
        within(
          c.getOrSet('k', () => late.promise),
          5_000,
          'getOrSet under loaderTimeout',
        ),
        'TIMEOUT',
        'a loader slower than loaderTimeout',
      );
      late.resolve('late');
      await sleep(10);
      equal(await c.has('k'), false, "c.has('k')");
      equal(await c.getOrSet('fast', () => 'ok'), 'ok', 'a fast loader is unaffected');
    });
  });
}
