/**
 * Keys published for one cache within one tick of the event loop, sent as one message. Writes that
 * complete together (a pipelined reply resolves many at once) each publish their keys: one PUBLISH
 * for all of them costs the client, Redis and every subscriber one message instead of many. Each
 * publisher still waits until the message carrying its keys was sent (the returned promise), so a
 * write still returns only once its invalidation is out. The batch goes out on `process.nextTick`,
 * which runs once every promise continuation of the current callback has run: no event-loop turn
 * is added.
 */
export class KeyBatches {
  readonly #send: (cache: string, keys: string[]) => Promise<void>;
  #open: Map<string, Batch> | undefined;

  constructor(send: (cache: string, keys: string[]) => Promise<void>) {
    this.#send = send;
  }

  /** `keys` of `cache` join the tick's message; resolves once it was sent. */
  add(cache: string, keys: readonly string[]): Promise<void> {
    let open = this.#open;
    if (open === undefined) {
      open = new Map();
      this.#open = open;
      process.nextTick(this.flush);
    }
    let b = open.get(cache);
    if (b === undefined) {
      b = new Batch();
      open.set(cache, b);
    }
    for (const k of keys) b.keys.push(k);
    return b.promise;
  }

  /** Send every open batch now (also before a message that must not overtake them). */
  readonly flush = (): void => {
    const open = this.#open;
    if (open === undefined) return;
    this.#open = undefined;
    for (const [cache, b] of open) {
      let sent: Promise<void>;
      try {
        sent = this.#send(cache, b.keys);
      } catch (e) {
        sent = Promise.reject(e);
      }
      sent.then(b.resolve, b.reject);
    }
  };
}

class Batch {
  readonly keys: string[] = [];
  readonly promise: Promise<void>;
  resolve!: () => void;
  reject!: (e: unknown) => void;

  constructor() {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}
