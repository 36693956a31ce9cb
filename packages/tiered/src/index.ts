export type { TieredProviderOptions } from './tiered-provider.js';
export { tieredProvider } from './tiered-provider.js';
