import { sql, type SqlFragment } from './sql.js';

/**
 * The INSERTs into `db.table` the server is running now, by query id. The client sends
 * `INSERT INTO <db>.<table> FORMAT …`, so the statement text starts with that prefix. `db` and
 * `table` are checked identifiers; the prefix is bound as a string literal.
 */
export function runningInsertsQuery(db: string, table: string): SqlFragment {
  return sql`SELECT query_id FROM system.processes WHERE position(query, ${`INSERT INTO ${db}.${table}`}) = 1`;
}

/**
 * Waits until every INSERT into `db.table` that the server is running at the time of the call has
 * finished (INSERTs started later are not waited for, so the wait is bounded even with other
 * writers). Why: a collector killed right after sending an INSERT leaves the server still
 * working on it; its rows become visible only when it commits. A restarted store's duplicate
 * check that ran before that commit would miss them, and the spool's replay of the same batch
 * would store every event twice. Resolves with how many INSERTs were waited for, and whether
 * `timeoutMs` ran out first.
 */
export async function waitForRunningInserts(
  rows: (statement: SqlFragment) => Promise<Record<string, unknown>[]>,
  db: string,
  table: string,
  opts: { timeoutMs: number; pollMs?: number },
): Promise<{ waitedFor: number; timedOut: boolean }> {
  const statement = runningInsertsQuery(db, table);
  const ids = async () => (await rows(statement)).map((r) => String(r.query_id));
  const earlier = new Set(await ids());
  if (earlier.size === 0) return { waitedFor: 0, timedOut: false };
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 50));
    if (!(await ids()).some((id) => earlier.has(id))) return { waitedFor: earlier.size, timedOut: false };
    if (Date.now() > deadline) return { waitedFor: earlier.size, timedOut: true };
  }
}
