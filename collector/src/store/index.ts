import type { Logger } from '../lib/logger.js';
import {
  createClickHouseStore,
  type ClickHouseStoreDeps,
  type ClickHouseTopology,
} from './clickhouse/index.js';
import { createEmbeddedStore, type FlushStats } from './embedded/index.js';
import type { Store } from './types.js';

export type {
  Aggregate,
  BreakdownItem,
  EventReader,
  EventWriter,
  FailureItem,
  RangeFilter,
  SeriesPoint,
  Store,
  TransactionPage,
  WriteResult,
} from './types.js';
export type { FlushStats } from './embedded/index.js';
export type { ClickHouseTopology } from './clickhouse/index.js';

/** Typed store configuration; `config.ts` builds it from the environment. */
export type StoreConfig =
  | { backend: 'embedded'; dataDir: string }
  | {
      backend: 'clickhouse';
      url: string;
      username: string;
      password: string;
      database: string;
      /** Duplicate-check window in days around a batch's event times; null: unbounded. */
      dedupWindowDays: number | null;
      /** Single server, or one shard of replicas of a cluster (`PAYWATCH_CLICKHOUSE_CLUSTER`). */
      topology: ClickHouseTopology;
      /** Time without a heartbeat after which a migration lock is broken (`PAYWATCH_CLICKHOUSE_MIGRATION_LOCK_STALE_S`). */
      migrationLockStaleMs?: number;
    };

/** What every backend may use. */
export interface StoreDeps {
  logger: Logger;
  /** Called after each durable write batch (embedded backend); for write-latency / queue-depth metrics. */
  onFlush?: (s: FlushStats) => void;
  /** ClickHouse: wait at start for a server that does not answer yet (see `ClickHouseStoreDeps`). */
  waitForServer?: ClickHouseStoreDeps['waitForServer'];
}

/**
 * Chooses the storage backend from typed config. The store is returned unstarted: call
 * `start()` (opens and migrates) and, on shutdown, `stop()`. An unknown backend is an error at
 * start-up, never a silent fallback.
 */
export function createStore(config: StoreConfig, deps: StoreDeps): Store {
  switch (config.backend) {
    case 'embedded':
      return createEmbeddedStore({ dataDir: config.dataDir }, deps);
    case 'clickhouse':
      return createClickHouseStore(config, deps);
    default: {
      const unknown: never = config;
      throw new Error(`unknown store backend: ${String((unknown as { backend?: unknown }).backend)}`);
    }
  }
}
