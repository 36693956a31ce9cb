import type { CacheCore } from './cache-core.js';
import type { Call } from './call.js';
import { type CompiledGlob, compileGlob } from './glob.js';
import type { CacheOp } from './middleware.js';
import type { OpOptions } from './types.js';
import { describe } from './validate.js';

/** The pattern operations: their argument rules and their steps. */
export class PatternOps<T> {
  readonly #k: CacheCore<T>;

  constructor(core: CacheCore<T>) {
    this.#k = core;
  }

  /** Validate a pattern call and make its `Call`; throws what the caller must reject with. */
  prepare(op: CacheOp, pattern: string, opts: OpOptions | undefined): Call {
    const glob = this.#glob(pattern, op);
    this.#k.precheck(op, opts?.signal);
    const c = this.#k.call(op, opts);
    c.pattern = pattern;
    c.glob = glob;
    return c;
  }

  #glob(pattern: string, op: CacheOp): CompiledGlob {
    const k = this.#k;
    if (typeof pattern !== 'string') {
      throw k.err('INVALID_ARGUMENT', op, `pattern must be a string, got ${describe(pattern)}`);
    }
    if (pattern.length > k.c.maxPatternLength) {
      throw k.err(
        'INVALID_ARGUMENT',
        op,
        `pattern is ${pattern.length} characters, over the limit of ${k.c.maxPatternLength}; narrow it or raise maxPatternLength`,
      );
    }
    if (!pattern.isWellFormed()) {
      throw k.err('INVALID_ARGUMENT', op, 'pattern contains a lone UTF-16 surrogate; pass well-formed text');
    }
    return compileGlob(pattern);
  }

  /** The call's glob, recompiled when a middleware rewrote its pattern. */
  #current(c: Call): CompiledGlob {
    return c.pattern === c.glob!.source ? c.glob! : this.#glob(c.pattern!, c.op);
  }

  keys = async (c: Call): Promise<string[]> => {
    const out: string[] = [];
    try {
      for await (const key of this.#k.store.scan(this.#current(c))) out.push(key);
    } catch (e) {
      throw this.#k.wrap(e, c.op);
    }
    return out;
  };

  delete = (c: Call): Promise<number> => {
    const k = this.#k;
    const g = this.#current(c);
    if (k.flights.size > 0) k.flights.invalidateWhere((key) => g.test(key));
    return k.via('deleteByPattern', undefined, () => k.full.deleteByPattern(g));
  };

  /**
   * `scanKeys`: the whole iteration runs inside the operation, so middleware, hooks, metrics and
   * timing protection see the scan end (or fail), not only its start.
   */
  async *scan(pattern: string, opts: OpOptions | undefined): AsyncGenerator<string> {
    const k = this.#k;
    const c = this.prepare('scanKeys', pattern, opts);
    let opened!: (it: Iterator<string> | AsyncIterator<string>) => void;
    let refused!: (e: unknown) => void;
    const source = new Promise<Iterator<string> | AsyncIterator<string>>((res, rej) => {
      opened = res;
      refused = rej;
    });
    let finish!: () => void;
    let fail!: (e: unknown) => void;
    const ended = new Promise<void>((res, rej) => {
      finish = res;
      fail = rej;
    });
    const op = k.invoke(c, (call) => {
      const src = k.store.scan(this.#current(call));
      opened(
        Symbol.asyncIterator in src
          ? (src as AsyncIterable<string>)[Symbol.asyncIterator]()
          : (src as Iterable<string>)[Symbol.iterator](),
      );
      return ended;
    });
    // A middleware or hook that refused never reaches the step: the scan fails with its error.
    op.catch(refused);
    const it = await source;
    let error: unknown;
    try {
      for (;;) {
        const r = await it.next();
        if (r.done === true) break;
        if (k.closed) throw k.closedError('scanKeys');
        if (opts?.signal?.aborted)
          throw k.err('ABORTED', 'scanKeys', 'the signal aborted the scan', undefined, opts.signal.reason);
        yield r.value;
      }
    } catch (e) {
      error = k.wrap(e, 'scanKeys');
    } finally {
      if (error === undefined) finish();
      else fail(error);
      await it.return?.();
    }
    await op;
  }
}
