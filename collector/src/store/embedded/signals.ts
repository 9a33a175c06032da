import type { Status } from '@paywatch/contracts';
import type { LogRecord } from '../../sources/log-tail/index.js';
import type { RumKind, RumRecord } from '../../sources/faro/index.js';
import type { ScrapedSample } from '../../sources/prom-scrape/index.js';
import { decodeCursor } from '../cursor.js';
import {
  keyedSerializer,
  logPage,
  NON_FINAL_STATUSES,
  parseJsonObject,
  positiveInt,
  stableJson,
  vitalSummary,
  WEB_VITAL_THRESHOLDS,
  type PendingPayment,
  type PendingPaymentReader,
  type RumErrorGroup,
  type SignalStore,
  type VitalSummary,
} from '../signals.js';
import type { EventFeedReader } from '../feed.js';
import type { Store } from '../types.js';
import { SqlParams, type SqlValue } from './sql.js';

/**
 * Runs one statement on its own connection and maps the rows (the embedded store's `read`: it
 * refuses when the store is not running and lets `stop()` wait for statements in flight).
 */
export type RunStatement = <T>(
  sql: string,
  p: SqlParams,
  map: (rows: Record<string, unknown>[]) => T,
) => Promise<T>;

/** The embedded store also stores the other signals and answers "pending longer than N". */
export interface EmbeddedStore extends Store {
  readonly backend: 'embedded';
  readonly signals: SignalStore;
  readonly pending: PendingPaymentReader;
  /** Stored events in arrival order after a cursor (feed.ts). */
  readonly feed: EventFeedReader;
}

const SAMPLES = 'signal_samples';
const LOGS = 'signal_logs';
const RUM = 'signal_rum';

/** Tables of the signal store, created at start (idempotent). */
export const SIGNAL_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS ${SAMPLES} (ts BIGINT NOT NULL, target VARCHAR NOT NULL, series VARCHAR NOT NULL, labels VARCHAR NOT NULL, value DOUBLE NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS ${LOGS} (id VARCHAR PRIMARY KEY, ts BIGINT NOT NULL, file VARCHAR NOT NULL, byte_offset BIGINT NOT NULL, level VARCHAR, message VARCHAR NOT NULL, fields VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS ${RUM} (id VARCHAR PRIMARY KEY, ts BIGINT NOT NULL, kind VARCHAR NOT NULL, name VARCHAR NOT NULL, value DOUBLE, message VARCHAR, session_id VARCHAR, app_name VARCHAR, app_version VARCHAR, page_url VARCHAR, attributes VARCHAR NOT NULL)`,
];

/** Rows per INSERT statement (each row binds every column as a parameter). */
const ROWS_PER_INSERT = 200;

function n(v: unknown): number {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return v;
  throw new TypeError(`expected a number, got ${v === null ? 'null' : typeof v}`);
}
const nOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : n(v));
const s = (v: unknown): string => (typeof v === 'string' ? v : String(v));
const sOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : s(v));

const parseObject = <T>(text: unknown): Record<string, T> => parseJsonObject<T>(s(text));

function rangeOf(from: number, to: number, p: SqlParams): string {
  if (!Number.isFinite(from) || !Number.isFinite(to)) throw new RangeError('from/to must be finite epoch ms');
  return `ts >= ${p.bind(Math.ceil(from))} AND ts < ${p.bind(Math.ceil(to))}`;
}

/**
 * The signal store over the embedded store's DuckDB instance. Writes of one table are serialized
 * here (each on its own connection: DuckDB commits them beside the payment-event writer, which
 * never touches these tables); logs and RUM ignore ids already stored (`ON CONFLICT DO NOTHING`).
 */
export function createEmbeddedSignals(run: RunStatement): SignalStore {
  /** Runs a job after the previous write to the same table (no self-conflicts between connections). */
  const serialized = keyedSerializer();

  async function insert(
    table: string,
    columns: readonly string[],
    rows: SqlValue[][],
    ignoreDuplicates: boolean,
  ): Promise<void> {
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
      const p = new SqlParams();
      const values = rows
        .slice(i, i + ROWS_PER_INSERT)
        .map((r) => `(${r.map((v) => p.bind(v)).join(', ')})`)
        .join(', ');
      await run(
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values}${ignoreDuplicates ? ' ON CONFLICT DO NOTHING' : ''}`,
        p,
        () => undefined,
      );
    }
  }

  /** Inserts `rows` into `table` after the table's previous write; nothing to do for no rows. */
  function write(
    table: string,
    columns: readonly string[],
    rows: SqlValue[][],
    ignoreDuplicates: boolean,
  ): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    return serialized(table, () => insert(table, columns, rows, ignoreDuplicates));
  }

  return {
    writeSamples(samples: readonly ScrapedSample[]) {
      const rows = samples.map((x): SqlValue[] => [
        Math.round(x.ts),
        x.target,
        x.series,
        stableJson(x.labels),
        x.value,
      ]);
      return write(SAMPLES, ['ts', 'target', 'series', 'labels', 'value'], rows, false);
    },

    writeLogs(records: readonly LogRecord[]) {
      const rows = records.map((r): SqlValue[] => [
        r.id,
        Math.round(r.ts),
        r.file,
        r.offset,
        r.level,
        r.message,
        JSON.stringify(r.fields),
      ]);
      return write(LOGS, ['id', 'ts', 'file', 'byte_offset', 'level', 'message', 'fields'], rows, true);
    },

    writeRum(records: readonly RumRecord[]) {
      const rows = records.map((r): SqlValue[] => [
        r.id,
        Math.round(r.ts),
        r.kind,
        r.name,
        r.value,
        r.message,
        r.session_id,
        r.app_name,
        r.app_version,
        r.page_url,
        JSON.stringify(r.attributes),
      ]);
      return write(
        RUM,
        [
          'id',
          'ts',
          'kind',
          'name',
          'value',
          'message',
          'session_id',
          'app_name',
          'app_version',
          'page_url',
          'attributes',
        ],
        rows,
        true,
      );
    },

    async deleteBefore(beforeTs) {
      const del = async (table: string): Promise<number> => {
        let count = 0;
        await serialized(table, async () => {
          const p = new SqlParams();
          count = await run(`DELETE FROM ${table} WHERE ts < ${p.bind(Math.ceil(beforeTs))}`, p, (rows) =>
            n(rows[0]?.Count ?? 0),
          );
        });
        return count;
      };
      return { samples: await del(SAMPLES), logs: await del(LOGS), rum: await del(RUM) };
    },

    async querySamples(q) {
      const limit = positiveInt(q.limit, 'limit');
      const p = new SqlParams();
      const where = [rangeOf(q.from, q.to, p), `series = ${p.bind(q.series)}`];
      if (q.target !== undefined) where.push(`target = ${p.bind(q.target)}`);
      // Label names are Prometheus names; the JSON path is bound as a value all the same.
      for (const [k, v] of Object.entries(q.labels ?? {})) {
        where.push(`json_extract_string(labels, ${p.bind(`$."${k.replace(/["\\]/g, '')}"`)}) = ${p.bind(v)}`);
      }
      const sql = `SELECT ts, target, series, labels, value FROM ${SAMPLES} WHERE ${where.join(' AND ')}
        ORDER BY target, labels, ts LIMIT ${p.bind(limit)}`;
      return run(sql, p, (rows) =>
        rows.map((r): ScrapedSample => ({
          ts: n(r.ts),
          target: s(r.target),
          series: s(r.series),
          labels: parseObject<string>(r.labels),
          value: n(r.value),
        })),
      );
    },

    async searchLogs(q) {
      const limit = positiveInt(q.limit, 'limit');
      const p = new SqlParams();
      const where = [rangeOf(q.from, q.to, p)];
      if (q.text !== undefined && q.text !== '') {
        const t = p.bind(q.text.toLowerCase());
        // strpos, not LIKE: the text is matched literally (no wildcard escaping to get wrong).
        where.push(`(strpos(lower(message), ${t}) > 0 OR strpos(lower(fields), ${t}) > 0)`);
      }
      if (q.level !== undefined) where.push(`lower(level) = ${p.bind(q.level.toLowerCase())}`);
      if (q.file !== undefined) where.push(`file = ${p.bind(q.file)}`);
      if (q.cursor !== null) {
        const c = decodeCursor(q.cursor);
        const ts = p.bind(c.ts);
        where.push(`(ts < ${ts} OR (ts = ${ts} AND id < ${p.bind(c.event_id)}))`);
      }
      const sql = `SELECT id, ts, file, byte_offset, level, message, fields FROM ${LOGS} WHERE ${where.join(' AND ')}
        ORDER BY ts DESC, id DESC LIMIT ${p.bind(limit + 1)}`;
      const rows = await run(sql, p, (rs) =>
        rs.map((r): LogRecord => ({
          id: s(r.id),
          ts: n(r.ts),
          file: s(r.file),
          offset: n(r.byte_offset),
          level: sOrNull(r.level),
          message: s(r.message),
          fields: parseObject<unknown>(r.fields),
        })),
      );
      return logPage(rows, limit);
    },

    async rumRecords(q) {
      const limit = positiveInt(q.limit, 'limit');
      const p = new SqlParams();
      const where = [rangeOf(q.from, q.to, p)];
      if (q.kind !== undefined) where.push(`kind = ${p.bind(q.kind)}`);
      if (q.names && q.names.length > 0) where.push(`name IN ${p.list(q.names)}`);
      if (q.app_name !== undefined) where.push(`app_name = ${p.bind(q.app_name)}`);
      const sql = `SELECT id, ts, kind, name, value, message, session_id, app_name, app_version, page_url, attributes
        FROM ${RUM} WHERE ${where.join(' AND ')} ORDER BY ts, id LIMIT ${p.bind(limit)}`;
      return run(sql, p, (rows) =>
        rows.map((r): RumRecord => ({
          id: s(r.id),
          ts: n(r.ts),
          kind: s(r.kind) as RumKind,
          name: s(r.name),
          value: nOrNull(r.value),
          message: sOrNull(r.message),
          session_id: sOrNull(r.session_id),
          app_name: sOrNull(r.app_name),
          app_version: sOrNull(r.app_version),
          page_url: sOrNull(r.page_url),
          attributes: parseObject<string>(r.attributes),
        })),
      );
    },

    async rumErrors(q) {
      const limit = positiveInt(q.limit, 'limit');
      const p = new SqlParams();
      const where = [rangeOf(q.from, q.to, p), `kind = ${p.bind('exception')}`];
      if (q.app_name !== undefined) where.push(`app_name = ${p.bind(q.app_name)}`);
      const sql = `SELECT name, message, count(*) AS c, count(DISTINCT session_id) AS sessions, max(ts) AS last_ts,
          arg_max(page_url, ts) AS last_page_url
        FROM ${RUM} WHERE ${where.join(' AND ')}
        GROUP BY name, message ORDER BY c DESC, name, message NULLS FIRST LIMIT ${p.bind(limit)}`;
      return run(sql, p, (rows) =>
        rows.map((r): RumErrorGroup => ({
          name: s(r.name),
          message: sOrNull(r.message),
          count: n(r.c),
          sessions: n(r.sessions),
          last_ts: n(r.last_ts),
          last_page_url: sOrNull(r.last_page_url),
        })),
      );
    },

    async webVitals(q) {
      const p = new SqlParams();
      const names = Object.keys(WEB_VITAL_THRESHOLDS).sort();
      const where = [rangeOf(q.from, q.to, p), `kind = ${p.bind('measurement')}`, `name IN ${p.list(names)}`];
      if (q.app_name !== undefined) where.push(`app_name = ${p.bind(q.app_name)}`);
      // The rating bands differ per vital: one CASE over the fixed threshold table, values bound.
      const good = names
        .map((k) => `WHEN ${p.bind(k)} THEN ${p.bind(WEB_VITAL_THRESHOLDS[k]![0])}`)
        .join(' ');
      const poor = names
        .map((k) => `WHEN ${p.bind(k)} THEN ${p.bind(WEB_VITAL_THRESHOLDS[k]![1])}`)
        .join(' ');
      const sql = `SELECT name, count(*) AS c, quantile_cont(value, [0.5, 0.75, 0.95]) AS q,
          count(*) FILTER (WHERE value <= CASE name ${good} END) AS good,
          count(*) FILTER (WHERE value > CASE name ${poor} END) AS poor
        FROM ${RUM} WHERE ${where.join(' AND ')} GROUP BY name ORDER BY name`;
      return run(sql, p, (rows) =>
        rows.map((r): VitalSummary => {
          const qs = Array.isArray(r.q) ? (r.q as unknown[]) : [];
          return vitalSummary({
            name: s(r.name),
            count: n(r.c),
            p50: nOrNull(qs[0]),
            p75: nOrNull(qs[1]),
            p95: nOrNull(qs[2]),
            good: n(r.good),
            poor: n(r.poor),
          });
        }),
      );
    },
  };
}

/**
 * "Pending longer than N" over `payment_events`: one aggregation per payment taking its latest
 * event by (ts, attempt, event_id) with `arg_max` over a struct key.
 * A payment qualifies when its latest event is non-final and older than `before`, i.e. every
 * event of it is older (`max(ts) < before`), and at or after `since` (only those events are read). Measured: ≈1.5–1.9 s over 1.2M events / 500k payments
 * on the 2-core box (a window-function version took ≈4 s).
 */
export function createEmbeddedPending(run: RunStatement): PendingPaymentReader {
  return {
    async pendingPayments(q) {
      const limit = Math.max(0, Math.floor(q.limit));
      const p = new SqlParams();
      const before = p.bind(Math.ceil(q.before));
      const since = p.bind(Math.floor(q.since));
      const statuses = p.list(NON_FINAL_STATUSES);
      const sql = `WITH latest AS (
          SELECT payment_id, arg_max(
              {'status': status, 'ts': ts, 'provider': provider, 'merchant_id': merchant_id, 'method': method, 'amount_minor': amount_minor, 'currency': currency},
              {'ts': ts, 'attempt': attempt, 'event_id': event_id}) AS l
          FROM payment_events WHERE ts >= ${since}
          GROUP BY payment_id HAVING max(ts) < ${before}
        ), stale AS (
          SELECT payment_id, l.status AS status, l.ts AS ts, l.provider AS provider, l.merchant_id AS merchant_id,
            l.method AS method, l.amount_minor AS amount_minor, l.currency AS currency
          FROM latest WHERE l.status IN ${statuses}
        )
        SELECT (SELECT count(*) FROM stale) AS total, s.* FROM (SELECT 1) one
        LEFT JOIN (SELECT * FROM stale ORDER BY ts ASC, payment_id ASC LIMIT ${p.bind(limit)}) s ON true`;
      return run(sql, p, (rows) => {
        const total = rows.length > 0 ? n(rows[0]!.total) : 0;
        const items = rows
          .filter((r) => r.payment_id !== null && r.payment_id !== undefined)
          .map((r): PendingPayment => ({
            payment_id: s(r.payment_id),
            status: s(r.status) as Status,
            ts: n(r.ts),
            provider: s(r.provider),
            merchant_id: s(r.merchant_id),
            method: s(r.method),
            amount_minor: n(r.amount_minor),
            currency: s(r.currency),
          }));
        return { total, items };
      });
    },
  };
}
