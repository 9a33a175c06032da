export {
  createClickHouseStore,
  DEFAULT_DEDUP_WINDOW_DAYS,
  isClickHouseStore,
  type ClickHouseStore,
  type ClickHouseStoreConfig,
  type ClickHouseStoreDeps,
} from './clickhouse.store.js';
export type { ReadMode, ReadSource } from './queries.js';
export type { ClickHouseTopology } from './migrations.js';
export type { DerivedRepairStats } from './derived-repair.js';
