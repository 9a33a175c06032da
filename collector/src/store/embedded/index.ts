export { createEmbeddedStore, DB_FILE } from './embedded.store.js';
export type { EmbeddedStoreConfig, EmbeddedStoreDeps, FlushStats } from './embedded.store.js';
export {
  createStandaloneSignalStore,
  SIGNALS_DB_FILE,
  type EmbeddedStore,
  type StandaloneSignalStore,
} from './signals.js';
