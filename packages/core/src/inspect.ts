/**
 * The registry symbol under which a core cache exposes introspection of its store (for the
 * conformance kit's measured checks). A method keyed by it returns what `inspectStore` hands out.
 */
const INSPECT_STORE: unique symbol = Symbol.for('@gocache/core/inspect');

/**
 * Introspection of the store behind a core cache, or `undefined` for a cache core did not make.
 * `indexFootprint()` is the store's `indexFootprint` (index memberships it holds, dead or alive),
 * `undefined` where the store cannot tell.
 */
export function inspectStore(cache: unknown): { indexFootprint(): Promise<number | undefined> } | undefined {
  if (typeof cache !== 'object' || cache === null) return undefined;
  const method = (cache as Record<symbol, unknown>)[INSPECT_STORE];
  if (typeof method !== 'function') return undefined;
  return method.call(cache) as { indexFootprint(): Promise<number | undefined> };
}
