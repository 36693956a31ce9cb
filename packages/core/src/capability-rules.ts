import type { ProviderCapabilities } from './spi.js';

/**
 * The contradiction in a provider's capabilities, worded to follow "claims", or `undefined` when
 * there is none. One rule, read by `createCache` (which refuses such a provider) and by the
 * conformance kit (which refuses to run it).
 */
export function capabilityConflict(caps: ProviderCapabilities): string | undefined {
  if (caps.eviction === true && caps.localBound === true) {
    return "both capabilities.eviction and capabilities.localBound, which exclude each other: maxEntries bounds either the entries (eviction) or only this process's copy of them (localBound); claim the one the store keeps";
  }
  return undefined;
}
