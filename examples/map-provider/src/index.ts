export { mapProvider } from './map-provider.ts';
export { MapStore } from './map-store.ts';
