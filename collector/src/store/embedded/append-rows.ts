import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { COLUMN_NAMES, ROW_COLUMNS, type PaymentEventRow } from './row.js';

/** Appends one row in column order; the kinds come from `ROW_COLUMNS`. */
function appendRow(a: DuckDBAppender, row: PaymentEventRow): void {
  for (const n of COLUMN_NAMES) {
    const v = row[n];
    if (v === null) {
      a.appendNull();
      continue;
    }
    switch (ROW_COLUMNS[n].kind) {
      case 'text':
        a.appendVarchar(v as string);
        break;
      case 'bigint':
        a.appendBigInt(BigInt(v as number));
        break;
      case 'int':
        a.appendInteger(v as number);
        break;
      case 'double':
        a.appendDouble(v as number);
        break;
      case 'bool':
        a.appendBoolean(v as boolean);
        break;
    }
  }
  a.endRow();
}

/**
 * Appends rows into `table` (catalog `temp` for a temp table) through a DuckDB appender, in the
 * caller's open transaction, and closes the appender. On failure the appender's buffered rows
 * are cleared before closing: otherwise DuckDB would try to flush them again when the
 * appender is destroyed (at garbage collection), inside whatever transaction is open then.
 */
export async function appendRows(
  conn: DuckDBConnection,
  table: string,
  catalog: string | null,
  rows: readonly PaymentEventRow[],
): Promise<void> {
  const a = await conn.createAppender(table, 'main', catalog);
  try {
    for (const r of rows) appendRow(a, r);
    a.flushSync();
  } catch (err) {
    try {
      a.clear();
      a.closeSync();
    } catch {
      // the append error is the one to report
    }
    throw err;
  }
  a.closeSync();
}
