import { wellFormed } from '@paywatch/contracts';
import type { LogRecord } from '../../sources/log-tail/index.js';
import type { RumKind, RumRecord } from '../../sources/faro/index.js';
import type { ScrapedSample } from '../../sources/prom-scrape/index.js';
import { decodeCursor } from '../cursor.js';
import {
  keyedSerializer,
  logPage,
  parseJsonObject,
  positiveInt,
  stableJson,
  vitalSummary,
  WEB_VITAL_THRESHOLDS,
  type RumErrorGroup,
  type SignalStore,
  type VitalSummary,
} from '../signals.js';
import { StoreError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { SpoolableSignals } from '../signal-backend.js';
import type { SpoolRecordWriter } from '../spool/index.js';
import { SIGNAL_TABLES } from './migrations.js';
import { isRowError } from './row-error.js';
import { float, num, str } from './row.js';
import { createInsertSettler, type InsertSettler } from './running-inserts.js';
import { ident, join, list, raw, sql, type SqlFragment } from './sql.js';

/**
 * What the ClickHouse signal store needs from the store's connection. Each call refuses while the
 * store is not started (the connection is opened by `start()`).
 */
export interface ClickHouseExec {
  /** Runs a SELECT and returns its rows (JSONEachRow; 64-bit integers arrive as strings). */
  rows<T = Record<string, unknown>>(statement: SqlFragment): Promise<T[]>;
  /** Runs a statement without result (DDL, ALTER). */
  run(statement: SqlFragment): Promise<void>;
  /** Inserts rows into `table` of the store's database (JSONEachRow). */
  insert(table: string, rows: readonly Record<string, unknown>[]): Promise<void>;
}

/** The signal tables, which are also the kinds of their records in the spool. */
export type SignalTable = (typeof SIGNAL_TABLES)[keyof typeof SIGNAL_TABLES];

/** The ClickHouse signal store, plus the write path through the durable spool (signal-backend.ts). */
export interface ClickHouseSignalStore extends SignalStore, SpoolableSignals {
  /** The spool's writers of the signal tables' records, by table (`SpoolDeps.records`). */
  readonly records: Readonly<Record<SignalTable, SpoolRecordWriter>>;
}

/** Options of the ClickHouse signal store. */
export interface ClickHouseSignalOptions {
  logger?: Logger;
  /** Longest wait, on the first spooled write of a table, for INSERTs a killed predecessor left running (default 30 s). */
  settleTimeoutMs?: number;
}

const DAY_MS = 86_400_000;
const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
/**
 * Spooled sample writes that look for rows already stored first: the first ones after start (the
 * replay of a crashed predecessor's last batch) and the ones after a failed INSERT (it may have
 * landed). `signal_samples` has no row id, so a sample is known by (target, series, labels, ts).
 */
const SAMPLE_CHECK_WRITES = 4;
/** Last day ClickHouse's Date type holds on every version. */
const MAX_DAY_MS = Date.UTC(2105, 11, 31);
/** Ids per duplicate-check statement. */
const ID_CHECK_CHUNK = 5000;

const dayLiteral = (ms: number): string =>
  new Date(Math.min(Math.max(0, ms), MAX_DAY_MS)).toISOString().slice(0, 10);

/** `[from, to)` on `ts`, with the day bounds that let ClickHouse skip partitions. */
function rangeOf(from: number, to: number): SqlFragment {
  if (!Number.isFinite(from) || !Number.isFinite(to)) throw new RangeError('from/to must be finite epoch ms');
  const f = Math.ceil(from);
  const t = Math.ceil(to);
  return sql`day >= toDate(${dayLiteral(f)}) AND day <= toDate(${dayLiteral(t)}) AND ts >= ${f} AND ts < ${t}`;
}

const parseObject = <T>(text: unknown): Record<string, T> => parseJsonObject<T>(str(text) ?? '');

const needStr = (v: unknown): string => str(v) ?? '';
const needNum = (v: unknown): number => num(v) ?? 0;

/** Linear-interpolation quantile of a sorted array expression (quantileExactInclusive is not on 18.16). */
function interpolated(sorted: SqlFragment, q: number): SqlFragment {
  const pos = sql`(${q} * (length(${sorted}) - 1))`;
  const lo = sql`arrayElement(${sorted}, toUInt64(floor(${pos})) + 1)`;
  const hi = sql`arrayElement(${sorted}, toUInt64(ceil(${pos})) + 1)`;
  return sql`if(length(${sorted}) = 0, NULL, ${lo} + (${hi} - ${lo}) * (${pos} - floor(${pos})))`;
}

// Row mappers. Text columns go through `wellFormed`: one lone surrogate (a log line or a beacon
// may carry `"\ud800"`) makes ClickHouse refuse the whole INSERT, which the spool would retry
// forever. JSON text columns (fields, attributes, labels) are safe: JSON.stringify escapes them.
const wf = (s: string | null): string | null => (s === null ? null : wellFormed(s));

/** The `signal_samples` row of a sample (labels as sorted JSON text and as key / value arrays). */
function sampleRow(x: ScrapedSample): Record<string, unknown> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(x.labels)) labels[wellFormed(k)] = wellFormed(v);
  const keys = Object.keys(labels).sort();
  return {
    ts: Math.round(x.ts),
    target: wellFormed(x.target),
    series: wellFormed(x.series),
    labels: stableJson(labels),
    label_keys: keys,
    label_values: keys.map((k) => labels[k] ?? ''),
    value: x.value,
  };
}

/** The `signal_logs` row of a log record. */
function logRow(r: LogRecord): Record<string, unknown> & { id: string; ts: number } {
  return {
    id: wellFormed(r.id),
    ts: Math.round(r.ts),
    file: wellFormed(r.file),
    byte_offset: r.offset,
    level: wf(r.level),
    message: wellFormed(r.message),
    fields: JSON.stringify(r.fields),
  };
}

/** The `signal_rum` row of a RUM record. */
function rumRow(r: RumRecord): Record<string, unknown> & { id: string; ts: number } {
  return {
    id: wellFormed(r.id),
    ts: Math.round(r.ts),
    kind: r.kind,
    name: wellFormed(r.name),
    value: r.value,
    message: wf(r.message),
    session_id: wf(r.session_id),
    app_name: wf(r.app_name),
    app_version: wf(r.app_version),
    page_url: wf(r.page_url),
    attributes: JSON.stringify(r.attributes),
  };
}

/**
 * The signal store on ClickHouse (tables of migration 4, partitioned by day). Writes of one table
 * are serialized in this process; log and RUM writes skip ids already stored (a check over the
 * batch's time window, as the tables are ordered by (ts, id)), and the ReplacingMergeTree engine
 * collapses what two processes might still write twice. Retention drops whole day partitions and
 * deletes the cut-off day's older rows with a mutation.
 */
export function createClickHouseSignals(
  db: string,
  exec: ClickHouseExec,
  options: ClickHouseSignalOptions = {},
): ClickHouseSignalStore {
  const table = (name: string) => sql`${ident(db)}.${ident(name)}`;
  const serialized = keyedSerializer();
  const log = options.logger?.child({ component: 'signals', backend: 'clickhouse' });

  /** Ids of `records` already in `name` (looked up in the records' time window). */
  async function storedIds(
    name: string,
    records: readonly { id: string; ts: number }[],
  ): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < records.length; i += ID_CHECK_CHUNK) {
      const chunk = records.slice(i, i + ID_CHECK_CHUNK);
      const tss = chunk.map((r) => Math.round(r.ts));
      const min = Math.min(...tss);
      const max = Math.max(...tss);
      const got = await exec.rows<{ id: unknown }>(
        sql`SELECT id FROM ${table(name)}
WHERE day >= toDate(${dayLiteral(min)}) AND day <= toDate(${dayLiteral(max)}) AND ts >= ${min} AND ts <= ${max}
  AND id IN ${list(chunk.map((r) => r.id))}`,
      );
      for (const r of got) found.add(needStr(r.id));
    }
    return found;
  }

  /** Inserts the first record of each id not yet stored (call inside `serialized(name)`); returns how many. */
  async function insertNewNow<R extends { id: string; ts: number }>(
    name: string,
    records: readonly R[],
    toRow: (r: R) => Record<string, unknown>,
  ): Promise<number> {
    const stored = await storedIds(name, records);
    const fresh: Record<string, unknown>[] = [];
    for (const r of records) {
      if (stored.has(r.id)) continue;
      stored.add(r.id);
      fresh.push(toRow(r));
    }
    if (fresh.length > 0) await exec.insert(name, fresh);
    return fresh.length;
  }

  /** Inserts the first record of each id not yet stored. */
  function insertNew<R extends { id: string; ts: number }>(
    name: string,
    records: readonly R[],
    toRow: (r: R) => Record<string, unknown>,
  ): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return serialized(name, async () => {
      await insertNewNow(name, records, toRow);
    });
  }

  // ---- the spooled write path ---------------------------------------------------------------

  let sampleChecks = SAMPLE_CHECK_WRITES;
  // Before the first spooled write of a table, and the first after a failed one: INSERTs still
  // running on the server (a killed predecessor's, or this process's that timed out) land first.
  const settlers = new Map<SignalTable, InsertSettler>();
  const settler = (name: SignalTable): InsertSettler => {
    let s = settlers.get(name);
    if (s === undefined) {
      s = createInsertSettler((q) => exec.rows(q), db, name, {
        timeoutMs: options.settleTimeoutMs ?? 30_000,
        logger: log,
      });
      settlers.set(name, s);
    }
    return s;
  };

  /** The rows of spooled payloads (JSONEachRow lines made by `encodeRows`). */
  function decodeRows(name: string, payloads: readonly Buffer[]): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const p of payloads)
      for (const line of p.toString('utf8').split('\n')) {
        if (line === '') continue;
        let row: unknown;
        try {
          row = JSON.parse(line);
        } catch (err) {
          // Corrupt beyond the spool's CRC: retrying cannot help (the spool dead-letters it).
          throw new StoreError(`spooled ${name} row is not JSON`, err, false);
        }
        if (row === null || typeof row !== 'object' || Array.isArray(row))
          throw new StoreError(`spooled ${name} row is not an object`, undefined, false);
        // Bound in the duplicate checks and stored as Int64: a whole number in the safe range.
        if (!Number.isSafeInteger((row as { ts?: unknown }).ts))
          throw new StoreError(`spooled ${name} row has no valid ts`, undefined, false);
        out.push(row as Record<string, unknown>);
      }
    return out;
  }

  const sampleKey = (r: Record<string, unknown>): string =>
    JSON.stringify([needStr(r.target), needStr(r.series), needStr(r.labels), needNum(r.ts)]);

  /** Identities (sampleKey) of `rows` already stored, looked up by their times and targets. */
  async function storedSamples(rows: readonly Record<string, unknown>[]): Promise<Set<string>> {
    const found = new Set<string>();
    const tss = [...new Set(rows.map((r) => needNum(r.ts)))].sort((a, b) => a - b);
    const targets = [...new Set(rows.map((r) => needStr(r.target)))];
    for (let i = 0; i < tss.length; i += ID_CHECK_CHUNK) {
      const chunk = tss.slice(i, i + ID_CHECK_CHUNK);
      const min = chunk[0]!;
      const max = chunk[chunk.length - 1]!;
      const got = await exec.rows(
        sql`SELECT target, series, labels, ts FROM ${table(SIGNAL_TABLES.samples)}
WHERE day >= toDate(${dayLiteral(min)}) AND day <= toDate(${dayLiteral(max)})
  AND ts IN ${list(chunk)} AND target IN ${list(targets)}`,
      );
      for (const r of got) found.add(sampleKey(r));
    }
    return found;
  }

  /** Spooled samples: rows already stored are skipped while checks are on (SAMPLE_CHECK_WRITES). */
  async function writeSpooledSamples(
    rows: Record<string, unknown>[],
  ): Promise<{ inserted: number; duplicates: number }> {
    let fresh = rows;
    if (sampleChecks > 0) {
      const stored = await storedSamples(rows);
      if (stored.size > 0) fresh = rows.filter((r) => !stored.has(sampleKey(r)));
    }
    try {
      if (fresh.length > 0) await exec.insert(SIGNAL_TABLES.samples, fresh);
    } catch (err) {
      sampleChecks = SAMPLE_CHECK_WRITES;
      throw err;
    }
    if (sampleChecks > 0) sampleChecks--;
    return { inserted: fresh.length, duplicates: rows.length - fresh.length };
  }

  /** Spooled log or RUM rows: skips ids already stored or repeated (as `writeLogs` / `writeRum`). */
  async function writeSpooledKeyed(
    name: SignalTable,
    rows: Record<string, unknown>[],
  ): Promise<{ inserted: number; duplicates: number }> {
    for (const r of rows)
      if (typeof r.id !== 'string' || typeof r.ts !== 'number')
        throw new StoreError(`spooled ${name} row has no id or ts`, undefined, false);
    const keyed = rows as (Record<string, unknown> & { id: string; ts: number })[];
    const inserted = await insertNewNow(name, keyed, (r) => r);
    return { inserted, duplicates: rows.length - inserted };
  }

  function recordWriter(name: SignalTable): SpoolRecordWriter {
    return {
      writeRecords(payloads) {
        return serialized(name, async () => {
          const rows = decodeRows(name, payloads);
          if (rows.length === 0) return { inserted: 0, duplicates: 0 };
          await settler(name).settle();
          try {
            return await (name === SIGNAL_TABLES.samples
              ? writeSpooledSamples(rows)
              : writeSpooledKeyed(name, rows));
          } catch (err) {
            // A timed-out INSERT may still be running on the server, its rows not yet visible:
            // the retry waits for it before the duplicate check (or the rows are stored twice).
            settler(name).reset();
            // Rows ClickHouse refuses would be retried forever, holding up everything spooled
            // behind them (payment events too): permanent, so the spool dead-letters them.
            if (isRowError(err))
              throw new StoreError(`ClickHouse refused spooled ${name} rows: ${errorText(err)}`, err, false);
            throw err;
          }
        });
      },
    };
  }

  /** One JSONEachRow line per row: the spooled record of a signal write. */
  const encodeRows = (rows: readonly Record<string, unknown>[]): Buffer =>
    Buffer.from(rows.map((r) => JSON.stringify(r) + '\n').join(''), 'utf8');

  /** Waits until ClickHouse has applied every pending mutation of `name` (18.16 has no mutations_sync). */
  async function waitMutations(name: string): Promise<void> {
    const deadline = Date.now() + 10 * 60_000;
    for (;;) {
      const [r] = await exec.rows<{ n: unknown }>(
        sql`SELECT count() AS n FROM system.mutations WHERE database = ${db} AND table = ${name} AND is_done = 0`,
      );
      if (needNum(r?.n) === 0) return;
      if (Date.now() > deadline) throw new Error(`ClickHouse mutations on ${name} did not finish in time`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }

  /** Deletes the rows with `ts < beforeTs`: older days by dropping partitions, the cut-off day by a mutation. */
  function deleteFrom(name: string, beforeTs: number): Promise<number> {
    return serialized(name, async () => {
      const before = Math.ceil(beforeTs);
      // The day bound lets ClickHouse skip newer partitions (samples are not ordered by ts).
      const older = sql`day <= toDate(${dayLiteral(before)}) AND ts < ${before}`;
      const [c] = await exec.rows<{ n: unknown }>(
        sql`SELECT count() AS n FROM ${table(name)} WHERE ${older}`,
      );
      const n = needNum(c?.n);
      if (n === 0) return 0;
      const cutDay = dayLiteral(Math.floor(before / DAY_MS) * DAY_MS).replace(/-/g, '');
      const parts = await exec.rows<{ p: unknown }>(
        sql`SELECT DISTINCT partition_id AS p FROM system.parts WHERE database = ${db} AND table = ${name} AND active`,
      );
      for (const part of parts) {
        const id = needStr(part.p);
        // Partition ids of a Date key are YYYYMMDD; compare as text of equal length.
        if (!/^\d{8}$/.test(id) || id >= cutDay) continue;
        await exec.run(sql`ALTER TABLE ${table(name)} DROP PARTITION ID ${id}`);
      }
      const [left] = await exec.rows<{ n: unknown }>(
        sql`SELECT count() AS n FROM ${table(name)} WHERE ${older}`,
      );
      if (needNum(left?.n) > 0) {
        await exec.run(sql`ALTER TABLE ${table(name)} DELETE WHERE ts < ${before}`);
        await waitMutations(name);
      }
      return n;
    });
  }

  return {
    records: {
      [SIGNAL_TABLES.samples]: recordWriter(SIGNAL_TABLES.samples),
      [SIGNAL_TABLES.logs]: recordWriter(SIGNAL_TABLES.logs),
      [SIGNAL_TABLES.rum]: recordWriter(SIGNAL_TABLES.rum),
    },

    spooledWriters(spool) {
      const append = (name: SignalTable, rows: Record<string, unknown>[]): Promise<void> =>
        rows.length === 0 ? Promise.resolve() : spool.append(name, encodeRows(rows), rows.length);
      return {
        writeSamples: (samples) => append(SIGNAL_TABLES.samples, samples.map(sampleRow)),
        writeLogs: (records) => append(SIGNAL_TABLES.logs, records.map(logRow)),
        writeRum: (records) => append(SIGNAL_TABLES.rum, records.map(rumRow)),
      };
    },

    writeSamples(samples: readonly ScrapedSample[]) {
      if (samples.length === 0) return Promise.resolve();
      const rows = samples.map(sampleRow);
      return serialized(SIGNAL_TABLES.samples, () => exec.insert(SIGNAL_TABLES.samples, rows));
    },

    writeLogs(records: readonly LogRecord[]) {
      return insertNew(SIGNAL_TABLES.logs, records, logRow);
    },

    writeRum(records: readonly RumRecord[]) {
      return insertNew(SIGNAL_TABLES.rum, records, rumRow);
    },

    async deleteBefore(beforeTs) {
      return {
        samples: await deleteFrom(SIGNAL_TABLES.samples, beforeTs),
        logs: await deleteFrom(SIGNAL_TABLES.logs, beforeTs),
        rum: await deleteFrom(SIGNAL_TABLES.rum, beforeTs),
      };
    },

    async querySamples(q) {
      const limit = positiveInt(q.limit, 'limit');
      const where = [rangeOf(q.from, q.to), sql`series = ${q.series}`];
      if (q.target !== undefined) where.push(sql`target = ${q.target}`);
      for (const [k, v] of Object.entries(q.labels ?? {})) {
        where.push(sql`has(label_keys, ${k}) AND label_values[indexOf(label_keys, ${k})] = ${v}`);
      }
      const got = await exec.rows(
        sql`SELECT ts, target, series, labels, value FROM ${table(SIGNAL_TABLES.samples)}
WHERE ${join(where, ' AND ')}
ORDER BY target, labels, ts LIMIT ${limit}`,
      );
      return got.map((r): ScrapedSample => ({
        ts: needNum(r.ts),
        target: needStr(r.target),
        series: needStr(r.series),
        labels: parseObject<string>(r.labels),
        value: float(r.value) ?? 0,
      }));
    },

    async searchLogs(q) {
      const limit = positiveInt(q.limit, 'limit');
      const where = [rangeOf(q.from, q.to)];
      if (q.text !== undefined && q.text !== '') {
        const t = q.text.toLowerCase();
        // position, not LIKE: the text is matched literally (no wildcard escaping to get wrong).
        where.push(sql`(position(lowerUTF8(message), ${t}) > 0 OR position(lowerUTF8(fields), ${t}) > 0)`);
      }
      if (q.level !== undefined) where.push(sql`lowerUTF8(level) = ${q.level.toLowerCase()}`);
      if (q.file !== undefined) where.push(sql`file = ${q.file}`);
      if (q.cursor !== null) {
        const c = decodeCursor(q.cursor);
        where.push(sql`(ts < ${c.ts} OR (ts = ${c.ts} AND id < ${c.event_id}))`);
      }
      const got = await exec.rows(
        sql`SELECT id, ts, file, byte_offset, level, message, fields FROM ${table(SIGNAL_TABLES.logs)}
WHERE ${join(where, ' AND ')}
ORDER BY ts DESC, id DESC LIMIT ${limit + 1}`,
      );
      const rows = got.map((r): LogRecord => ({
        id: needStr(r.id),
        ts: needNum(r.ts),
        file: needStr(r.file),
        offset: needNum(r.byte_offset),
        level: str(r.level),
        message: needStr(r.message),
        fields: parseObject<unknown>(r.fields),
      }));
      return logPage(rows, limit);
    },

    async rumRecords(q) {
      const limit = positiveInt(q.limit, 'limit');
      const where = [rangeOf(q.from, q.to)];
      if (q.kind !== undefined) where.push(sql`kind = ${q.kind}`);
      if (q.names && q.names.length > 0) where.push(sql`name IN ${list(q.names)}`);
      if (q.app_name !== undefined) where.push(sql`app_name = ${q.app_name}`);
      const got = await exec.rows(
        sql`SELECT id, ts, kind, name, value, message, session_id, app_name, app_version, page_url, attributes
FROM ${table(SIGNAL_TABLES.rum)} WHERE ${join(where, ' AND ')} ORDER BY ts, id LIMIT ${limit}`,
      );
      return got.map((r): RumRecord => ({
        id: needStr(r.id),
        ts: needNum(r.ts),
        kind: needStr(r.kind) as RumKind,
        name: needStr(r.name),
        value: float(r.value),
        message: str(r.message),
        session_id: str(r.session_id),
        app_name: str(r.app_name),
        app_version: str(r.app_version),
        page_url: str(r.page_url),
        attributes: parseObject<string>(r.attributes),
      }));
    },

    async rumErrors(q) {
      const limit = positiveInt(q.limit, 'limit');
      const where = [rangeOf(q.from, q.to), sql`kind = ${'exception'}`];
      if (q.app_name !== undefined) where.push(sql`app_name = ${q.app_name}`);
      const got = await exec.rows(
        sql`SELECT name, message, count() AS c, uniqExact(session_id) AS sessions, max(ts) AS last_ts,
  argMax(page_url, ts) AS last_page_url
FROM ${table(SIGNAL_TABLES.rum)} WHERE ${join(where, ' AND ')}
GROUP BY name, message ORDER BY c DESC, name, message NULLS FIRST LIMIT ${limit}`,
      );
      return got.map((r): RumErrorGroup => ({
        name: needStr(r.name),
        message: str(r.message),
        count: needNum(r.c),
        sessions: needNum(r.sessions),
        last_ts: needNum(r.last_ts),
        last_page_url: str(r.last_page_url),
      }));
    },

    async webVitals(q) {
      const names = Object.keys(WEB_VITAL_THRESHOLDS).sort();
      const where = [rangeOf(q.from, q.to), sql`kind = ${'measurement'}`, sql`name IN ${list(names)}`];
      if (q.app_name !== undefined) where.push(sql`app_name = ${q.app_name}`);
      // The rating bands differ per vital: one multiIf over the fixed threshold table, values bound.
      const band = (i: 0 | 1) =>
        sql`multiIf(${join(
          names.map((k) => sql`name = ${k}, toFloat64(${WEB_VITAL_THRESHOLDS[k]![i]})`),
          ', ',
        )}, toFloat64(0))`;
      // Repeated, not aliased: identical aggregates are computed once.
      const sorted = raw('arraySort(groupArray(value))');
      const got = await exec.rows(
        sql`SELECT name, count() AS c,
  ${interpolated(sorted, 0.5)} AS p50, ${interpolated(sorted, 0.75)} AS p75, ${interpolated(sorted, 0.95)} AS p95,
  countIf(value <= ${band(0)}) AS good, countIf(value > ${band(1)}) AS poor
FROM ${table(SIGNAL_TABLES.rum)} WHERE ${join(where, ' AND ')}
GROUP BY name ORDER BY name`,
      );
      return got.map((r): VitalSummary =>
        vitalSummary({
          name: needStr(r.name),
          count: needNum(r.c),
          p50: float(r.p50),
          p75: float(r.p75),
          p95: float(r.p95),
          good: needNum(r.good),
          poor: needNum(r.poor),
        }),
      );
    },
  };
}
