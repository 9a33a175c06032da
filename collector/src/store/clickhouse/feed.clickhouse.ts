import {
  checkFeedQuery,
  checkTimeOrderQuery,
  nextCursor,
  nextTimeCursor,
  type EventFeedReader,
  type TimeOrderQuery,
} from '../feed.js';
import { COLUMN_NAMES, fromRow } from './row.js';
import { ident, join, raw, sql, type SqlFragment } from './sql.js';

const SELECT_COLUMNS = join(
  COLUMN_NAMES.map((c) => ident(c)),
  ', ',
);
/** Last day ClickHouse's Date type holds on every version. */
const MAX_DAY_MS = Date.UTC(2105, 11, 31);

const dayLiteral = (ms: number): string =>
  new Date(Math.min(Math.max(0, ms), MAX_DAY_MS)).toISOString().slice(0, 10);

/**
 * The feed statement (pure, for tests): every value bound through the `sql` tag. Runs on 18.16
 * and current releases: no tuple comparison, no query parameters. With `minTs`, a `day` bound
 * lets ClickHouse skip older day partitions (the table is partitioned by the event's day).
 */
export function feedQuery(db: string, q: Parameters<EventFeedReader['eventsReceivedSince']>[0]): SqlFragment {
  const after =
    q.after === null
      ? raw('')
      : sql` AND (received_at > ${q.after.received_at} OR (received_at = ${q.after.received_at} AND event_id > ${q.after.event_id}))`;
  const min =
    q.minTs === undefined ? raw('') : sql` AND day >= toDate(${dayLiteral(q.minTs)}) AND ts >= ${q.minTs}`;
  return sql`SELECT ${SELECT_COLUMNS} FROM ${ident(db)}.payment_events
WHERE received_at < ${q.before}${after}${min}
ORDER BY received_at ASC, event_id ASC
LIMIT ${q.limit}`;
}

/**
 * The event-time statement (pure, for tests): (ts, event_id) keyset paging without tuple
 * comparison; `day` bounds let ClickHouse skip partitions outside the range.
 */
export function timeOrderQuery(db: string, q: TimeOrderQuery): SqlFragment {
  const lo = q.after === null ? q.from : Math.max(q.from, q.after.ts);
  const after =
    q.after === null
      ? raw('')
      : sql` AND (ts > ${q.after.ts} OR (ts = ${q.after.ts} AND event_id > ${q.after.event_id}))`;
  return sql`SELECT ${SELECT_COLUMNS} FROM ${ident(db)}.payment_events
WHERE day >= toDate(${dayLiteral(lo)}) AND day <= toDate(${dayLiteral(q.to)}) AND ts >= ${lo} AND ts < ${q.to} AND received_at < ${q.receivedBefore}${after}
ORDER BY ts ASC, event_id ASC
LIMIT ${q.limit}`;
}

/** The ClickHouse store's arrival-order feed and event-time read (see `EventFeedReader`); `rows` is the store's query runner. */
export function createClickHouseFeed(
  db: string,
  rows: (statement: SqlFragment) => Promise<Record<string, unknown>[]>,
): EventFeedReader {
  return {
    async eventsReceivedSince(q) {
      checkFeedQuery(q);
      const events = (await rows(feedQuery(db, q))).map(fromRow);
      return { events, next: nextCursor(events, q.after) };
    },
    async eventsByEventTime(q) {
      checkTimeOrderQuery(q);
      const events = (await rows(timeOrderQuery(db, q))).map(fromRow);
      return { events, next: nextTimeCursor(events, q.after) };
    },
  };
}
