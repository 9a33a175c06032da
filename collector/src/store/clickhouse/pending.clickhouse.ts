import type { Status } from '@paywatch/contracts';
import { NON_FINAL_STATUSES, type PendingPayment, type PendingPaymentReader } from '../signals.js';
import { PAYMENT_LATEST } from './migrations.js';
import { num, str } from './row.js';
import { ident, list, sql, type SqlFragment } from './sql.js';

const DAY_MS = 86_400_000;

/** The first day (YYYY-MM-DD, UTC) holding events at or after `since`: whole partitions before it are skipped. */
function dayOf(since: number): string {
  return new Date(Math.floor(since / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The reference answer from the raw rows (the query this module replaced; kept for the bench and
 * the tests that compare the two): one aggregation per payment taking the status of its latest
 * event by (ts, attempt, event_id) with `argMax` over a tuple key. A payment qualifies when its
 * latest event is non-final and in [since, before); only events from `since` on are read.
 * Output aliases carry a `p_` prefix: a ClickHouse alias is visible in every expression of the
 * query, so `status` would shadow the column inside `argMax`.
 */
export function rawStalePaymentsQuery(db: string, before: number, since: number): SqlFragment {
  const from = Math.max(0, Math.floor(since));
  return sql`SELECT payment_id, argMax(status, tuple(ts, attempt, event_id)) AS p_status, max(ts) AS p_ts
FROM ${ident(db)}.payment_events
WHERE day >= toDate(${dayOf(from)}) AND ts >= ${from}
GROUP BY payment_id
HAVING p_ts < ${Math.ceil(before)} AND p_status IN ${list(NON_FINAL_STATUSES)}`;
}

/**
 * The stale payments from `payment_latest` (migration 7), as (payment_id, p_ts, p_tie), in two
 * passes over the days of the look-back. With a row's `open_mark` = max(2·ts + [non-final]):
 * half of it is the row's latest ts, and it is odd iff a non-final event has that ts.
 * 1. candidates: the rows whose `open_mark` is odd with a ts in [since, before). The row holding
 *    a stale payment's latest event always qualifies (that event is the max of every subset
 *    holding it), whatever the merge state, so this is a superset; once parts are merged it is
 *    about the stale payments plus those spanning days. One small max state is read per row.
 * 2. exact: the candidates' rows over all read days, found by `pid` (cityHash64 of the id, not
 *    in the sort key: a large `payment_id IN` set makes ClickHouse spend ~0.6 s at 50M events in
 *    primary-key analysis), grouped by payment_id (a colliding payment is one more group judged
 *    on its own rows, all of which share its pid). With om / fm the payment's max marks (both
 *    2·T + flag, T its latest ts): a non-final event at T (om odd) and none final (fm even)
 *    means the latest event is non-final; no non-final event at T means final. Both at T is a
 *    tie (`p_tie`): only (attempt, event_id) can tell, and the caller resolves those from
 *    `latest` (`latestQuery`).
 * A payment whose latest event is before `since` is left out (abandoned), like the raw query.
 * Days before `since`'s day are not read: their events are older than every event of the days
 * read, so they never hold the latest event of a payment seen there.
 */
export function stalePaymentsQuery(db: string, before: number, since: number): SqlFragment {
  const from = Math.max(0, Math.floor(since));
  const to = Math.ceil(before);
  const table = sql`${ident(db)}.${ident(PAYMENT_LATEST)}`;
  const days = sql`day >= toDate(${dayOf(from)})`;
  // T in [from, to) iff 2·T + flag in [2·from, 2·to). `% 2 != 0`: odd, also when negative.
  return sql`SELECT payment_id, intDiv(om, 2) AS p_ts, toUInt8(fm % 2 != 0) AS p_tie FROM (
  SELECT payment_id, maxMerge(open_mark) AS om, maxMerge(final_mark) AS fm
  FROM ${table}
  WHERE ${days} AND pid IN (
    SELECT pid FROM ${table}
    WHERE ${days} AND finalizeAggregation(open_mark) % 2 != 0
      AND finalizeAggregation(open_mark) >= ${2 * from} AND finalizeAggregation(open_mark) < ${2 * to})
  GROUP BY payment_id
  HAVING om % 2 != 0 AND om >= ${2 * from} AND om < ${2 * to})`;
}

/** The latest event of each of `paymentIds` (non-empty) over the days from `since`'s, from `payment_latest`. */
export function latestQuery(db: string, paymentIds: readonly string[], since: number): SqlFragment {
  const from = Math.max(0, Math.floor(since));
  return sql`SELECT payment_id, argMaxMerge(latest) AS l,
  tupleElement(l, 1) AS p_status, tupleElement(l, 2) AS p_ts, tupleElement(l, 3) AS p_provider,
  tupleElement(l, 4) AS p_merchant_id, tupleElement(l, 5) AS p_method, tupleElement(l, 6) AS p_amount_minor,
  tupleElement(l, 7) AS p_currency
FROM ${ident(db)}.${ident(PAYMENT_LATEST)}
WHERE day >= toDate(${dayOf(from)}) AND payment_id IN ${list(paymentIds)}
GROUP BY payment_id`;
}

/** A statement's rows and, for one with `ORDER BY … LIMIT`, how many rows there were before the LIMIT. */
export interface LimitedRows {
  rows: Record<string, unknown>[];
  /** FORMAT JSON's `rows_before_limit_at_least` (exact when the statement sorts); null when absent. */
  rowsBeforeLimit: number | null;
}

/** How the pending reader runs statements on the store's client. */
export interface PendingStatements {
  rows(statement: SqlFragment): Promise<Record<string, unknown>[]>;
  limited(statement: SqlFragment): Promise<LimitedRows>;
}

/** Rows of the first statement beyond the page: room for this many tied payments before the fallback. */
const TIE_ROOM = 100;
/** Ids per `latestQuery` statement. */
const ID_CHUNK = 10_000;

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
/** A row of the stale-payments statement: its id, latest ts, and whether that ts is a tie. */
const listedRow = (r: Record<string, unknown>, tie: boolean) => ({
  id: str(r.payment_id) ?? '',
  ts: num(r.p_ts) ?? 0,
  tie,
});

/**
 * "Pending longer than N" on ClickHouse, over `payment_latest` (kept by a view from every INSERT
 * into `payment_events`; with the spool in front, events not yet drained are not seen). Same
 * semantics as the embedded query and `rawStalePaymentsQuery`. One statement lists the stale
 * payments, tied ones first, then the oldest, with the total (`rows_before_limit_at_least`);
 * a second reads the latest event of the tied ones and of the page by id (primary-key reads).
 * A payment that got a newer event between the two reads is left out of the page.
 */
export function createClickHousePending(db: string, run: PendingStatements): PendingPaymentReader {
  async function latestOf(ids: readonly string[], since: number): Promise<Map<string, PendingPayment>> {
    const out = new Map<string, PendingPayment>();
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      for (const r of await run.rows(latestQuery(db, ids.slice(i, i + ID_CHUNK), since))) {
        const p: PendingPayment = {
          payment_id: str(r.payment_id) ?? '',
          status: (str(r.p_status) ?? '') as Status,
          ts: num(r.p_ts) ?? 0,
          provider: str(r.p_provider) ?? '',
          merchant_id: str(r.p_merchant_id) ?? '',
          method: str(r.p_method) ?? '',
          amount_minor: num(r.p_amount_minor) ?? 0,
          currency: str(r.p_currency) ?? '',
        };
        out.set(p.payment_id, p);
      }
    }
    return out;
  }

  return {
    async pendingPayments(q) {
      const limit = Math.max(0, Math.floor(q.limit));
      const since = Math.max(0, Math.floor(q.since));
      const before = Math.ceil(q.before);
      const stale = stalePaymentsQuery(db, before, since);
      const head = limit + TIE_ROOM;
      const first = await run.limited(
        sql`SELECT payment_id, p_ts, p_tie FROM (${stale}) ORDER BY p_tie DESC, p_ts ASC, payment_id ASC LIMIT ${head}`,
      );
      let listed = first.rows.map((r) => listedRow(r, num(r.p_tie) === 1));
      let total = listed.length < head ? listed.length : (first.rowsBeforeLimit ?? -1);
      if (total < listed.length) {
        // No count with the rows (not expected: FORMAT JSON reports it for a sorted LIMIT).
        const [c] = await run.rows(sql`SELECT count() AS n FROM (${stale})`);
        total = num(c?.n) ?? 0;
      }
      const tieCount = listed.filter((p) => p.tie).length;
      if (listed.length === head && (tieCount > TIE_ROOM || tieCount === head)) {
        // More tied payments than room (some may be missing, or the page of the others is cut
        // short): list them all, then the page of the others.
        const ties = await run.rows(sql`SELECT payment_id, p_ts FROM (${stale}) WHERE p_tie = 1`);
        const clear = await run.rows(
          sql`SELECT payment_id, p_ts FROM (${stale}) WHERE p_tie = 0 ORDER BY p_ts ASC, payment_id ASC LIMIT ${limit}`,
        );
        listed = [...ties.map((r) => listedRow(r, true)), ...clear.map((r) => listedRow(r, false))];
      }
      const tied = listed.filter((p) => p.tie);
      const clear = listed.filter((p) => !p.tie).slice(0, limit);
      const latest = await latestOf(
        [...tied, ...clear].map((p) => p.id),
        since,
      );
      const isStale = (p: PendingPayment | undefined): p is PendingPayment =>
        p !== undefined && NON_FINAL_STATUSES.includes(p.status) && p.ts >= since && p.ts < before;
      // A tied payment is stale when its latest event, by (ts, attempt, event_id), is non-final.
      const staleTies = tied.filter((p) => isStale(latest.get(p.id)));
      total -= tied.length - staleTies.length;
      const page = [...staleTies, ...clear]
        .sort((a, b) => a.ts - b.ts || byteOrder(a.id, b.id))
        .slice(0, limit);
      const items = page.flatMap((p) => {
        const l = latest.get(p.id);
        return isStale(l) ? [l] : [];
      });
      return { total, items };
    },
  };
}
