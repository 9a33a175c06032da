import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { clickhouseEndpoint } from '../../../test/services.js';
import { createLogger } from '../../lib/logger.js';
import { createClickHouseStore } from './clickhouse.store.js';
import { ident, sql } from './sql.js';

/** Percentile of a sample (nearest rank), rounded to 0.1 — for benchmark reports. */
export function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return +(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number).toFixed(1);
}

/** A throw-away database on the test ClickHouse (scripts/services.sh): a started store plus an admin client. */
export interface BenchDatabase {
  database: string;
  admin: ClickHouseClient;
  store: ReturnType<typeof createClickHouseStore>;
  /** Stops the store, drops the database, closes the client. */
  dispose(): Promise<void>;
}

/** Opens a new throw-away database named `<prefix>_<now>`, or the existing `database` when given. */
export async function openBenchDatabase(
  prefix: string,
  database: string | null = null,
): Promise<BenchDatabase> {
  const ep = clickhouseEndpoint();
  const name = database ?? `${prefix}_${Date.now()}`;
  const admin = createClient({
    url: ep.url,
    username: ep.username,
    password: ep.password,
    request_timeout: 3_600_000,
  });
  const store = createClickHouseStore(
    { ...ep, database: name, requestTimeoutMs: 600_000 },
    { logger: createLogger({ level: 'silent' }) },
  );
  await store.start();
  return {
    database: name,
    admin,
    store,
    async dispose() {
      await store.stop();
      await admin.command({ query: sql`DROP DATABASE IF EXISTS ${ident(name)}`.text }).catch(() => undefined);
      await admin.close();
    },
  };
}
