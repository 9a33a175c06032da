import type { Status } from '@paywatch/contracts';
import { NON_FINAL_STATUSES, type PendingPayment, type PendingPaymentReader } from '../signals.js';
import { num, str } from './row.js';
import { ident, list, sql, type SqlFragment } from './sql.js';

/**
 * The stale payments (pure, for tests): one aggregation per payment taking the status of its
 * latest event by (ts, attempt, event_id) with `argMax` over a tuple key (18.16 and current
 * releases: no window functions, no subquery CTEs). A payment qualifies when its latest event is
 * non-final and older than `before`, i.e. every event of it is older (`max(ts) < before`); only
 * events from `since` on are read (a payment whose latest event is older is abandoned).
 * Only the status is carried through the aggregation (the other fields are read for the page
 * alone, `latestEventsQuery`): that halves the cost of the scan. Output aliases carry a `p_`
 * prefix: a ClickHouse alias is visible in every expression of the query, so `status` would
 * shadow the column inside `argMax`.
 */
export function stalePaymentsQuery(db: string, before: number, since: number): SqlFragment {
  const from = Math.max(0, Math.floor(since));
  // The day condition lets ClickHouse skip whole partitions (the table is partitioned by day).
  const fromDay = new Date(Math.floor(from / 86_400_000) * 86_400_000).toISOString().slice(0, 10);
  return sql`SELECT payment_id, argMax(status, tuple(ts, attempt, event_id)) AS p_status, max(ts) AS p_ts
FROM ${ident(db)}.payment_events
WHERE day >= toDate(${fromDay}) AND ts >= ${from}
GROUP BY payment_id
HAVING p_ts < ${Math.ceil(before)} AND p_status IN ${list(NON_FINAL_STATUSES)}`;
}

/** The latest event of each of `paymentIds` (non-empty), by (ts, attempt, event_id). */
export function latestEventsQuery(db: string, paymentIds: readonly string[]): SqlFragment {
  return sql`SELECT payment_id,
  argMax(tuple(status, ts, provider, merchant_id, method, amount_minor, currency), tuple(ts, attempt, event_id)) AS l,
  tupleElement(l, 1) AS p_status, tupleElement(l, 2) AS p_ts, tupleElement(l, 3) AS p_provider,
  tupleElement(l, 4) AS p_merchant_id, tupleElement(l, 5) AS p_method, tupleElement(l, 6) AS p_amount_minor,
  tupleElement(l, 7) AS p_currency
FROM ${ident(db)}.payment_events
WHERE payment_id IN ${list(paymentIds)}
GROUP BY payment_id`;
}

/**
 * "Pending longer than N" on ClickHouse, over `payment_events` as the store holds it (with the
 * spool in front, events not yet drained are not seen). Same semantics as the embedded query:
 * the count and the page's ids come from two statements over the same aggregation (run
 * together), then the page's latest events are read by id. A payment that got a newer event
 * between the two reads is left out of the page.
 */
export function createClickHousePending(
  db: string,
  rows: (statement: SqlFragment) => Promise<Record<string, unknown>[]>,
): PendingPaymentReader {
  return {
    async pendingPayments(q) {
      const limit = Math.max(0, Math.floor(q.limit));
      const before = Math.ceil(q.before);
      const stale = stalePaymentsQuery(db, before, q.since);
      const [counted, page] = await Promise.all([
        rows(sql`SELECT count() AS total FROM (${stale})`),
        limit === 0
          ? Promise.resolve([])
          : rows(sql`SELECT payment_id FROM (${stale}) ORDER BY p_ts ASC, payment_id ASC LIMIT ${limit}`),
      ]);
      const total = num(counted[0]?.total) ?? 0;
      const ids = page.map((r) => str(r.payment_id) ?? '');
      if (ids.length === 0) return { total, items: [] };
      const latest = new Map<string, PendingPayment>();
      for (const r of await rows(latestEventsQuery(db, ids))) {
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
        if (NON_FINAL_STATUSES.includes(p.status) && p.ts < before) latest.set(p.payment_id, p);
      }
      const items = ids.flatMap((id) => {
        const p = latest.get(id);
        return p ? [p] : [];
      });
      return { total, items };
    },
  };
}
