import type { EvictionPolicy, EvictionPolicyFactory, PolicyContext } from './eviction-policy.js';
import { SlotLinks } from './slot-links.js';

/** Least recently used: one list, hits move to the tail, the head is evicted. */
class LruPolicy implements EvictionPolicy {
  readonly name = 'lru';
  readonly #links: SlotLinks;

  constructor(context: PolicyContext) {
    this.#links = new SlotLinks(context.capacity);
  }

  resize(capacity: number): void {
    this.#links.resize(capacity);
  }

  insert(slot: number): void {
    this.#links.pushTail(0, slot);
  }

  access(slot: number): void {
    this.#links.moveToTail(0, slot);
  }

  update(slot: number): void {
    this.#links.moveToTail(0, slot);
  }

  remove(slot: number): void {
    this.#links.unlink(0, slot);
  }

  victim(): number {
    return this.#links.head[0]!;
  }
}

/** Least recently used (the default): O(1), 8 bytes per entry, no admission filter. */
export const lruPolicy: EvictionPolicyFactory = (context) => new LruPolicy(context);
