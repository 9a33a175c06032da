import {
  checkFeedQuery,
  checkTimeOrderQuery,
  nextCursor,
  nextTimeCursor,
  type EventFeedReader,
} from '../feed.js';
import { COLUMN_NAMES, fromRow } from './row.js';
import type { RunStatement } from './signals.js';
import { SqlParams } from './sql.js';

const TABLE = 'payment_events';
const SELECT_COLUMNS = COLUMN_NAMES.join(', ');

/**
 * The embedded store's arrival-order feed and event-time read (see `EventFeedReader`). DuckDB compares VARCHAR
 * byte-wise, so the `event_id` tie-break matches the ClickHouse backend's.
 */
export function createEmbeddedFeed(read: RunStatement): EventFeedReader {
  return {
    async eventsReceivedSince(q) {
      checkFeedQuery(q);
      const p = new SqlParams();
      const parts = [`received_at < ${p.bind(q.before)}`];
      if (q.after !== null) {
        const r = p.bind(q.after.received_at);
        parts.push(`(received_at > ${r} OR (received_at = ${r} AND event_id > ${p.bind(q.after.event_id)}))`);
      }
      if (q.minTs !== undefined) parts.push(`ts >= ${p.bind(q.minTs)}`);
      const sql = `SELECT ${SELECT_COLUMNS} FROM ${TABLE} WHERE ${parts.join(' AND ')}
        ORDER BY received_at ASC, event_id ASC LIMIT ${p.bind(q.limit)}`;
      const events = await read(sql, p, (rows) => rows.map(fromRow));
      return { events, next: nextCursor(events, q.after) };
    },
    async eventsByEventTime(q) {
      checkTimeOrderQuery(q);
      const p = new SqlParams();
      const parts = [
        `ts >= ${p.bind(q.from)}`,
        `ts < ${p.bind(q.to)}`,
        `received_at < ${p.bind(q.receivedBefore)}`,
      ];
      if (q.after !== null) {
        const t = p.bind(q.after.ts);
        // The plain `ts >= t` lets DuckDB skip row groups by their ts zone map (the OR alone does not).
        parts.push(`ts >= ${t}`, `(ts > ${t} OR (ts = ${t} AND event_id > ${p.bind(q.after.event_id)}))`);
      }
      const sql = `SELECT ${SELECT_COLUMNS} FROM ${TABLE} WHERE ${parts.join(' AND ')}
        ORDER BY ts ASC, event_id ASC LIMIT ${p.bind(q.limit)}`;
      const events = await read(sql, p, (rows) => rows.map(fromRow));
      return { events, next: nextTimeCursor(events, q.after) };
    },
  };
}
