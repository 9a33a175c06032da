import type { DuckDBInstance } from '@duckdb/node-api';
import { StoreError } from '../../lib/errors.js';
import type { SqlParams } from './sql.js';

/**
 * Runs one statement on its own short-lived connection (a DuckDB connection runs one statement
 * at a time) and tracks it in `inflight`, so `stop()` can wait for reads before closing.
 * Failures become a `StoreError` labelled with `what`.
 */
export async function runOnOwnConnection<T>(
  instance: DuckDBInstance,
  inflight: Set<Promise<unknown>>,
  what: string,
  sql: string,
  p: SqlParams,
  map: (rows: Record<string, unknown>[]) => T,
): Promise<T> {
  const job = (async () => {
    const conn = await instance.connect();
    try {
      const r = await conn.runAndReadAll(sql, p.values);
      return map(r.getRowObjectsJS() as Record<string, unknown>[]);
    } catch (err) {
      throw new StoreError(`${what} query failed`, err);
    } finally {
      conn.closeSync();
    }
  })();
  inflight.add(job);
  try {
    return await job;
  } finally {
    inflight.delete(job);
  }
}
