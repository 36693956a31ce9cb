export { mapProvider } from './map-provider.ts';
export { mapStore } from './map-store.ts';
