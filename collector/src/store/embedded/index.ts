export { createEmbeddedStore, DB_FILE } from './embedded.store.js';
export type { EmbeddedStoreConfig, EmbeddedStoreDeps, FlushStats } from './embedded.store.js';
export type { EmbeddedStore } from './signals.js';
