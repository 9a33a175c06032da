import type { Logger } from '../../lib/logger.js';
import { sql, type SqlFragment } from './sql.js';

/**
 * The INSERTs into `db.table` the server is running now, by query id. The client sends
 * `INSERT INTO <db>.<table> FORMAT …`; statements built with `sql.ts` (the derived repair's and
 * the erasure's `INSERT … SELECT`) start the same with both names quoted in backticks (`ident`):
 * either prefix matches. `db` and `table` are checked identifiers; the prefixes are bound as string literals.
 */
export function runningInsertsQuery(db: string, table: string): SqlFragment {
  return sql`SELECT query_id FROM system.processes
WHERE position(query, ${`INSERT INTO ${db}.${table}`}) = 1 OR position(query, ${`INSERT INTO \`${db}\`.\`${table}\``}) = 1`;
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

/**
 * The "wait for running INSERTs once" state of one table's writer: `settle()` before a write waits
 * (`waitForRunningInserts`) on the first write and on the first after `reset()` (call it when an
 * INSERT fails: a client timeout leaves it running on the server, its rows not yet visible to the
 * retry's duplicate check). A failed look is tried again on the next write; the first of a run of
 * failed looks is logged (an outage fails every retry here).
 */
export interface InsertSettler {
  settle(): Promise<void>;
  reset(): void;
}

/** An `InsertSettler` for `db.table` (used by the payment store and each spooled signal table). */
export function createInsertSettler(
  rows: (statement: SqlFragment) => Promise<Record<string, unknown>[]>,
  db: string,
  table: string,
  opts: { timeoutMs: number; logger?: Logger },
): InsertSettler {
  let settled = false;
  // During an outage every write fails here first: log the first failed look, not every retry.
  let lookFailing = false;
  return {
    async settle() {
      if (settled) return;
      try {
        const w = await waitForRunningInserts(rows, db, table, { timeoutMs: opts.timeoutMs });
        if (w.waitedFor > 0)
          opts.logger?.[w.timedOut ? 'warn' : 'info'](
            { table, ...w },
            'first write waited for INSERTs already running on the server',
          );
        settled = true;
        lookFailing = false;
      } catch (err) {
        // Not fatal (tried again on the next write): the duplicate check still runs.
        if (lookFailing) return;
        lookFailing = true;
        opts.logger?.warn(
          { table, err: err instanceof Error ? err.message : String(err) },
          'could not look for INSERTs still running on the server',
        );
      }
    },
    reset() {
      settled = false;
    },
  };
}
