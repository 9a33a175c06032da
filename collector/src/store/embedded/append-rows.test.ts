// Guards appendRows: a failed append must not leave rows behind that DuckDB flushes later into another transaction.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { generateEvents } from '../contract/events.js';
import { appendRows } from './append-rows.js';
import { COLUMN_NAMES, ROW_COLUMNS, toRow } from './row.js';

const SQL = { text: 'VARCHAR', bigint: 'BIGINT', int: 'INTEGER', double: 'DOUBLE', bool: 'BOOLEAN' } as const;

describe('appendRows', () => {
  it('appends every column, and after a primary-key rejection (plus garbage collection) the next transaction is clean', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const cols = COLUMN_NAMES.map(
        (n) => `${n} ${SQL[ROW_COLUMNS[n].kind]}${n === 'event_id' ? ' PRIMARY KEY' : ''}`,
      );
      await conn.run(`CREATE TABLE t (${cols.join(', ')})`);
      const rows = generateEvents({
        seed: 1,
        payments: 200,
        from: Date.UTC(2026, 0, 5),
        spanMs: 3_600_000,
      }).map(toRow);
      const half = Math.floor(rows.length / 2);
      await appendRows(conn, 't', null, rows.slice(0, half));

      await conn.run('BEGIN TRANSACTION');
      let failure: unknown = null;
      try {
        await appendRows(conn, 't', null, rows);
      } catch (err) {
        failure = err;
      }
      expect(String(failure)).toMatch(/constraint/i);
      failure = null;
      await conn.run('ROLLBACK');

      // If the failed appender still held rows, destroying it would flush them into this transaction.
      await conn.run('BEGIN TRANSACTION');
      for (let i = 0; i < 3; i++) {
        gc();
        await new Promise((resolve) => setImmediate(resolve));
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
      await appendRows(conn, 't', null, rows.slice(half));
      await conn.run('COMMIT');

      const r = await conn.runAndReadAll(
        'SELECT count(*)::INTEGER AS n, count(DISTINCT event_id)::INTEGER AS d FROM t',
      );
      expect(r.getRowObjectsJS()).toEqual([{ n: rows.length, d: rows.length }]);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });
});
