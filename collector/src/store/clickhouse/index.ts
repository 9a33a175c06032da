export {
  createClickHouseStore,
  type ClickHouseStore,
  type ClickHouseStoreConfig,
  type ClickHouseStoreDeps,
} from './clickhouse.store.js';
export type { ReadMode, ReadSource } from './queries.js';
