import type { Status } from '@paywatch/contracts';
import type { Logger } from '../../lib/logger.js';
import { NON_FINAL_STATUSES, type PendingPayment, type PendingPaymentReader } from '../signals.js';
import { PAYMENT_LATEST } from './migrations.js';
import { dayLiteral } from './queries.js';
import { num, str } from './row.js';
import { ident, list, sql, type SqlFragment } from './sql.js';

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
WHERE day >= toDate(${dayLiteral(from)}) AND ts >= ${from}
GROUP BY payment_id
HAVING p_ts < ${Math.ceil(before)} AND p_status IN ${list(NON_FINAL_STATUSES)}`;
}

/**
 * The payments of one day (partition of `payment_latest`, migration 7) whose latest event *of
 * that day* is non-final or tied, as (payment_id, p_ts, p_tie), over that day's rows only. With a
 * row's `open_mark` = max(2·ts + [non-final]): half of it is the row's latest ts, and it is odd
 * iff a non-final event has that ts.
 * 1. candidates: the day's rows whose `open_mark` is odd. The row holding such a payment's latest
 *    event of the day always qualifies (that event is the max of every subset holding it),
 *    whatever the merge state, so this is a superset: once parts are merged it is about the
 *    open payments of the day. One small max state is read per row.
 * 2. exact: the candidates' rows of the day, found by `pid` (cityHash64 of the id, not in the sort
 *    key: a large `payment_id IN` set makes ClickHouse spend ~0.6 s at 50M events in primary-key
 *    analysis), grouped by payment_id (a colliding payment is one more group judged on its own
 *    rows, all of which share its pid). With om / fm the payment's max marks of the day (both
 *    2·T + flag, T its latest ts that day): a non-final event at T (om odd) and none final (fm
 *    even) means the day's latest event is non-final; both at T is a tie (`p_tie`), resolved by
 *    (attempt, event_id) from `latest` (`dayLatestStatusQuery`).
 */
export function dayOpenPaymentsQuery(db: string, day: string): SqlFragment {
  const table = sql`${ident(db)}.${ident(PAYMENT_LATEST)}`;
  const theDay = sql`day = toDate(${day})`;
  // `% 2 != 0`: odd, also when negative.
  return sql`SELECT payment_id, intDiv(om, 2) AS p_ts, toUInt8(fm % 2 != 0) AS p_tie FROM (
  SELECT payment_id, maxMerge(open_mark) AS om, maxMerge(final_mark) AS fm
  FROM ${table}
  WHERE ${theDay} AND pid IN (
    SELECT pid FROM ${table} WHERE ${theDay} AND finalizeAggregation(open_mark) % 2 != 0)
  GROUP BY payment_id
  HAVING om % 2 != 0)`;
}

/** The status of the latest event of `day` (by ts, attempt, event_id) of each of `paymentIds` (non-empty), from `payment_latest`. */
export function dayLatestStatusQuery(db: string, day: string, paymentIds: readonly string[]): SqlFragment {
  return sql`SELECT payment_id, tupleElement(argMaxMerge(latest), 1) AS p_status
FROM ${ident(db)}.${ident(PAYMENT_LATEST)}
WHERE day = toDate(${day}) AND payment_id IN ${list(paymentIds)}
GROUP BY payment_id`;
}

/**
 * The (payment_id, earlier day) pairs of the days in [`fromDay`, `day`) whose pid also occurs on
 * `day`: a superset (pid collisions) of the payments of those days that have events on `day` —
 * whose latest event is therefore not on the earlier day. `pid` is a plain column: one pass
 * over it, with the day's pids as the set. `presentOnDayQuery` makes it exact.
 */
export function laterDayPairsQuery(db: string, fromDay: string, day: string): SqlFragment {
  const table = sql`${ident(db)}.${ident(PAYMENT_LATEST)}`;
  // PREWHERE: `payment_id` is then read only in the few granules that match (18.16 does not move
  // an IN-subquery condition to PREWHERE itself: it read every id, ~45% of this statement's CPU).
  return sql`SELECT DISTINCT payment_id, toString(day) AS d FROM ${table}
PREWHERE pid IN (SELECT pid FROM ${table} WHERE day = toDate(${day}))
WHERE day >= toDate(${fromDay}) AND day < toDate(${day})`;
}

/**
 * Every payment with rows on two or more days from `fromDay` on and an odd row-level `open_mark`
 * somewhere there (the only ones a day's open list can hold), with those days: the "continued"
 * relation of every day at once, for a reader that needs it for many days (a cold start). Grouped
 * by payment_id, so exact; costs about one pass of the one-statement reader it replaced.
 */
export function multiDayPaymentsQuery(db: string, fromDay: string): SqlFragment {
  const table = sql`${ident(db)}.${ident(PAYMENT_LATEST)}`;
  const days = sql`day >= toDate(${fromDay})`;
  return sql`SELECT payment_id, groupUniqArray(toString(day)) AS ds FROM ${table}
PREWHERE pid IN (SELECT pid FROM ${table} WHERE ${days} AND finalizeAggregation(open_mark) % 2 != 0)
WHERE ${days}
GROUP BY payment_id
HAVING length(ds) > 1`;
}

/** Which of `paymentIds` (non-empty) have a row on `day` (primary-key reads). */
export function presentOnDayQuery(db: string, day: string, paymentIds: readonly string[]): SqlFragment {
  return sql`SELECT DISTINCT payment_id FROM ${ident(db)}.${ident(PAYMENT_LATEST)}
WHERE day = toDate(${day}) AND payment_id IN ${list(paymentIds)}`;
}

/**
 * The active parts of `payment_latest` per day (partition id YYYYMMDD) from `fromDay` on: a day's
 * name list changes whenever its rows do (part names are never reused within a table; the time,
 * row and byte counts guard against a table dropped and created again).
 */
export function partsQuery(db: string, fromDay: string): SqlFragment {
  return sql`SELECT partition_id AS id,
  concat(arrayStringConcat(arraySort(groupArray(name)), ','), '@', toString(max(modification_time)),
    '/', toString(sum(rows)), '/', toString(sum(bytes_on_disk))) AS sig
FROM system.parts
WHERE database = ${db} AND table = ${PAYMENT_LATEST} AND active AND partition_id >= ${fromDay.replace(/-/g, '')}
GROUP BY partition_id`;
}

/** The latest event of each of `paymentIds` (non-empty) over the days from `since`'s, from `payment_latest`. */
export function latestQuery(db: string, paymentIds: readonly string[], since: number): SqlFragment {
  const from = Math.max(0, Math.floor(since));
  return sql`SELECT payment_id, argMaxMerge(latest) AS l,
  tupleElement(l, 1) AS p_status, tupleElement(l, 2) AS p_ts, tupleElement(l, 3) AS p_provider,
  tupleElement(l, 4) AS p_merchant_id, tupleElement(l, 5) AS p_method, tupleElement(l, 6) AS p_amount_minor,
  tupleElement(l, 7) AS p_currency
FROM ${ident(db)}.${ident(PAYMENT_LATEST)}
WHERE day >= toDate(${dayLiteral(from)}) AND payment_id IN ${list(paymentIds)}
GROUP BY payment_id`;
}

/** A row of `latestQuery` as the pending payment it describes. */
export function latestPayment(r: Record<string, unknown>): PendingPayment {
  return {
    payment_id: str(r.payment_id) ?? '',
    status: (str(r.p_status) ?? '') as Status,
    ts: num(r.p_ts) ?? 0,
    provider: str(r.p_provider) ?? '',
    merchant_id: str(r.p_merchant_id) ?? '',
    method: str(r.p_method) ?? '',
    amount_minor: num(r.p_amount_minor) ?? 0,
    currency: str(r.p_currency) ?? '',
  };
}

/** How the pending reader runs statements on the store's client. */
export interface PendingStatements {
  rows(statement: SqlFragment): Promise<Record<string, unknown>[]>;
}

/** Ids per statement that lists ids. */
const ID_CHUNK = 10_000;
/** A day's cached lists not used for this long are dropped. */
const IDLE_MS = 3_600_000;
/**
 * Default bound on the payment ids kept across days (open lists plus continued sets): ~70–160 MB
 * of heap (61 MB measured for the ≥ 831k open ids of the 30-day look-back at 50M events; 156 B
 * per id in a synthetic measurement), several times what the default 7-day look-back needs there.
 */
export const DEFAULT_PENDING_CACHE_ENTRIES = 1_000_000;

/** Options of the ClickHouse pending reader. */
export interface ClickHousePendingOptions {
  /**
   * At most this many payment ids kept across days (default `DEFAULT_PENDING_CACHE_ENTRIES`);
   * past it the least recently used days are dropped after a call and read again when next
   * needed. 0: keep nothing (every call reads every day).
   */
  maxCachedEntries?: number;
  /** Told (debug) when days are evicted for the bound. */
  logger?: Logger;
}

/** What the reader keeps between calls. */
export interface PendingCacheStats {
  /** Payment ids held: open lists plus continued sets. */
  entries: number;
  /** Days with an open list kept. */
  openDays: number;
  /** Days with continued payments kept. */
  laterDays: number;
  /** Cached day entries (open lists and continued sets) dropped for the bound so far. */
  evictions: number;
}

/** The ClickHouse pending reader, with a look at its per-day cache. */
export interface ClickHousePendingReader extends PendingPaymentReader {
  cacheStats(): PendingCacheStats;
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * The payments of one day whose latest event of that day is non-final (ties resolved), sorted by
 * (ts, payment_id bytes), for the parts `sig` it was read from.
 */
interface DayOpen {
  sig: string;
  ids: string[];
  ts: number[];
  tsOf: Map<string, number>;
  used: number;
  /** Recency rank of the last use (higher: more recent), for eviction. */
  seq: number;
}

/**
 * For a day D: the payments of each earlier day from `fromDay` on that also have rows on D, read
 * when the days in [`fromDay`, D] had the parts `sigs`. Still valid for a later look-back start
 * while the days from it to D keep those parts (pairs with days before the start are ignored).
 */
interface LaterDay {
  fromDay: string;
  sigs: Map<string, string>;
  byDay: Map<string, Set<string>>;
  used: number;
  /** Recency rank of the last use (higher: more recent), for eviction. */
  seq: number;
}

/** Payment ids a continued-payments entry holds (the sum of its sets). */
function heldIds(l: LaterDay): number {
  let n = 0;
  for (const set of l.byDay.values()) n += set.size;
  return n;
}

/** More days than this needing their continued payments: one statement for all (`multiDayPaymentsQuery`). */
const MANY_DAYS = 2;

/** First index of sorted `xs` with a value ≥ `x`. */
function lowerBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((xs[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * "Pending longer than N" on ClickHouse, over `payment_latest` (kept by a view from every INSERT
 * into `payment_events`; with the spool in front, events not yet drained are not seen). Same
 * semantics as the embedded query and `rawStalePaymentsQuery`.
 *
 * The answer is assembled per day (partition) from the days of `since`'s on, and what was read
 * for a day is kept while that day's parts are unchanged (`partsQuery`: any insert, merge,
 * mutation or dropped partition gives new part names), so a refresh reads again only the days
 * that changed — under live ingest, today:
 * - per day D, the payments whose latest event of D is non-final (`dayOpenPaymentsQuery`, ties
 *   resolved by `dayLatestStatusQuery`);
 * - per day D, the payments of earlier days that have events on D (`laterDayPairsQuery` then
 *   `presentOnDayQuery`): their latest event is not on the earlier day. Kept while D and the days
 *   before it keep their parts, also when the look-back start moves on; when more than
 *   `MANY_DAYS` days need it (a cold start), one statement for all (`multiDayPaymentsQuery`).
 * A payment is stale iff it is open on some day D, has no events on a later day, and its latest
 * ts is in [since, before). Days before `since`'s day are not read: their events are older than
 * every event of the days read. The page's fields are then read by primary key (`latestQuery`);
 * a payment that got a newer event meanwhile is left out of the page. Days whose parts changed
 * while they were read are used for the answer but not kept. What is kept is bounded
 * (`maxCachedEntries` payment ids): past it the least recently used days are dropped (the older
 * days of one call before the newer ones) and read again when a call needs them.
 */
export function createClickHousePending(
  db: string,
  run: PendingStatements,
  options: ClickHousePendingOptions = {},
): ClickHousePendingReader {
  const maxEntries = options.maxCachedEntries ?? DEFAULT_PENDING_CACHE_ENTRIES;
  if (!(maxEntries >= 0))
    throw new RangeError(`pending maxCachedEntries must be ≥ 0, got ${String(maxEntries)}`);
  const open = new Map<string, DayOpen>();
  const later = new Map<string, LaterDay>();
  /** Recency clock: each call ranks its days after every earlier call's. */
  let clock = 0;
  let evictions = 0;

  const cachedEntries = () => {
    let n = 0;
    for (const o of open.values()) n += o.ids.length;
    for (const l of later.values()) n += heldIds(l);
    return n;
  };

  /** Drops the least recently used days' entries until at most `maxEntries` ids are kept. */
  function evict(): void {
    let total = cachedEntries();
    if (total <= maxEntries) return;
    const entries = [
      ...[...open].map(([day, o]) => ({ day, seq: o.seq, size: o.ids.length, drop: () => open.delete(day) })),
      ...[...later].map(([day, l]) => ({ day, seq: l.seq, size: heldIds(l), drop: () => later.delete(day) })),
    ].sort((a, b) => a.seq - b.seq);
    const dropped = new Set<string>();
    let n = 0;
    for (const e of entries) {
      if (total <= maxEntries) break;
      e.drop();
      total -= e.size;
      dropped.add(e.day);
      n++;
    }
    evictions += n;
    options.logger?.debug(
      { evicted: n, days: [...dropped].sort(), kept: total, max: maxEntries },
      'pending cache over its bound: least recently used days dropped',
    );
  }

  async function daySigs(fromDay: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const r of await run.rows(partsQuery(db, fromDay))) {
      const id = str(r.id) ?? '';
      // Partition ids of `day` are YYYYMMDD; anything else is not a day of this table.
      if (/^\d{8}$/.test(id))
        out.set(`${id.slice(0, 4)}-${id.slice(4, 6)}-${id.slice(6, 8)}`, str(r.sig) ?? '');
    }
    return out;
  }

  async function readOpen(day: string, sig: string, now: number): Promise<DayOpen> {
    const rows = await run.rows(dayOpenPaymentsQuery(db, day));
    let list = rows.map((r) => ({
      id: str(r.payment_id) ?? '',
      ts: num(r.p_ts) ?? 0,
      tie: num(r.p_tie) === 1,
    }));
    const tied = list.filter((p) => p.tie).map((p) => p.id);
    if (tied.length > 0) {
      // A tie is open when the day's latest event by (ts, attempt, event_id) is non-final.
      const openTies = new Set<string>();
      for (let i = 0; i < tied.length; i += ID_CHUNK) {
        for (const r of await run.rows(dayLatestStatusQuery(db, day, tied.slice(i, i + ID_CHUNK)))) {
          if (NON_FINAL_STATUSES.includes(str(r.p_status) as Status)) openTies.add(str(r.payment_id) ?? '');
        }
      }
      list = list.filter((p) => !p.tie || openTies.has(p.id));
    }
    list.sort((a, b) => a.ts - b.ts || byteOrder(a.id, b.id));
    return {
      sig,
      ids: list.map((p) => p.id),
      ts: list.map((p) => p.ts),
      tsOf: new Map(list.map((p) => [p.id, p.ts])),
      used: now,
      seq: 0,
    };
  }

  async function readLater(
    fromDay: string,
    day: string,
    sigs: Map<string, string>,
    now: number,
  ): Promise<LaterDay> {
    const pairs = (await run.rows(laterDayPairsQuery(db, fromDay, day))).map((r) => ({
      id: str(r.payment_id) ?? '',
      d: str(r.d) ?? '',
    }));
    const ids = [...new Set(pairs.map((p) => p.id))];
    const present = new Set<string>();
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      for (const r of await run.rows(presentOnDayQuery(db, day, ids.slice(i, i + ID_CHUNK)))) {
        present.add(str(r.payment_id) ?? '');
      }
    }
    const byDay = new Map<string, Set<string>>();
    for (const p of pairs) {
      if (!present.has(p.id)) continue; // a pid collision, not the same payment
      const set = byDay.get(p.d) ?? new Set<string>();
      set.add(p.id);
      byDay.set(p.d, set);
    }
    return { fromDay, sigs, byDay, used: now, seq: 0 };
  }

  /** The continued payments of each of `days` (with every day of `all` up to it) from one statement. */
  async function readLaterAll(
    fromDay: string,
    days: readonly string[],
    all: readonly string[],
    sigs: Map<string, string>,
    now: number,
  ): Promise<Map<string, LaterDay>> {
    const out = new Map<string, LaterDay>();
    for (const day of days) {
      const upTo = new Map(all.filter((d) => d <= day).map((d) => [d, sigs.get(d) ?? '']));
      out.set(day, { fromDay, sigs: upTo, byDay: new Map(), used: now, seq: 0 });
    }
    for (const r of await run.rows(multiDayPaymentsQuery(db, fromDay))) {
      const id = str(r.payment_id) ?? '';
      const ds = (Array.isArray(r.ds) ? r.ds : []).map((d) => str(d) ?? '').sort();
      for (let i = 1; i < ds.length; i++) {
        const entry = out.get(ds[i] as string);
        if (entry === undefined) continue;
        for (const d of ds.slice(0, i)) {
          const set = entry.byDay.get(d) ?? new Set<string>();
          set.add(id);
          entry.byDay.set(d, set);
        }
      }
    }
    return out;
  }

  async function latestOf(ids: readonly string[], since: number): Promise<Map<string, PendingPayment>> {
    const out = new Map<string, PendingPayment>();
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      for (const r of await run.rows(latestQuery(db, ids.slice(i, i + ID_CHUNK), since))) {
        const p = latestPayment(r);
        out.set(p.payment_id, p);
      }
    }
    return out;
  }

  return {
    cacheStats: () => ({ entries: cachedEntries(), openDays: open.size, laterDays: later.size, evictions }),

    async pendingPayments(q) {
      const limit = Math.max(0, Math.floor(q.limit));
      const since = Math.max(0, Math.floor(q.since));
      const before = Math.ceil(q.before);
      const fromDay = dayLiteral(since);
      const now = Date.now();
      const sigs = await daySigs(fromDay);
      const days = [...sigs.keys()].sort();
      // Day i of this call ranks base + i: later days and later calls are more recent.
      const base = clock + 1;
      clock += days.length;

      // Each day's open payments, read again when its parts changed.
      const opens = new Map<string, DayOpen>();
      const fresh = new Map<string, DayOpen>();
      for (const [i, day] of days.entries()) {
        const sig = sigs.get(day) ?? '';
        const cached = open.get(day);
        if (cached?.sig === sig) {
          cached.used = now;
          cached.seq = base + i;
          opens.set(day, cached);
        } else {
          const read = await readOpen(day, sig, now);
          read.seq = base + i;
          opens.set(day, read);
          fresh.set(day, read);
        }
      }
      // Per day D, the earlier days' payments it continues; depends on every day up to D.
      const valid = (e: LaterDay | undefined, i: number): e is LaterDay =>
        e !== undefined &&
        e.fromDay <= fromDay &&
        days.slice(0, i + 1).every((d) => e.sigs.get(d) === sigs.get(d));
      const stale = days.filter((d, i) => i > 0 && !valid(later.get(d), i));
      const freshLater =
        stale.length > MANY_DAYS
          ? await readLaterAll(fromDay, stale, days, sigs, now)
          : new Map<string, LaterDay>();
      const superseded = new Map<string, Set<string>>();
      for (let i = 1; i < days.length; i++) {
        const day = days[i] as string;
        let entry = later.get(day);
        if (valid(entry, i)) entry.used = now;
        else {
          entry = freshLater.get(day);
          if (entry === undefined) {
            const upTo = new Map(days.slice(0, i + 1).map((d) => [d, sigs.get(d) ?? '']));
            entry = await readLater(fromDay, day, upTo, now);
            freshLater.set(day, entry);
          }
        }
        entry.seq = base + i;
        for (const [d, ids] of entry.byDay) {
          if (d < fromDay) continue;
          const set = superseded.get(d) ?? new Set<string>();
          for (const id of ids) set.add(id);
          superseded.set(d, set);
        }
      }

      let total = 0;
      const candidates: { id: string; ts: number }[] = [];
      for (const day of days) {
        const o = opens.get(day) as DayOpen;
        const gone = superseded.get(day);
        const lo = lowerBound(o.ts, since);
        const hi = lowerBound(o.ts, before);
        let n = hi - lo;
        for (const id of gone ?? []) {
          const ts = o.tsOf.get(id);
          if (ts !== undefined && ts >= since && ts < before) n--;
        }
        total += n;
        let taken = 0;
        for (let i = lo; i < hi && taken < limit; i++) {
          const id = o.ids[i] as string;
          if (gone?.has(id)) continue;
          candidates.push({ id, ts: o.ts[i] as number });
          taken++;
        }
      }

      // Keep what was read only when the parts did not change meanwhile.
      if (fresh.size > 0 || freshLater.size > 0) {
        const after = await daySigs(fromDay);
        for (const [day, o] of fresh) if (after.get(day) === o.sig) open.set(day, o);
        for (const [day, l] of freshLater) {
          if ([...l.sigs].every(([d, sig]) => after.get(d) === sig)) later.set(day, l);
        }
      }
      for (const [day, o] of open) if (now - o.used > IDLE_MS) open.delete(day);
      for (const [day, l] of later) if (now - l.used > IDLE_MS) later.delete(day);
      evict();

      if (limit === 0) return { total, items: [] };
      const page = candidates.sort((a, b) => a.ts - b.ts || byteOrder(a.id, b.id)).slice(0, limit);
      const latest = await latestOf(
        page.map((p) => p.id),
        since,
      );
      const isStale = (p: PendingPayment | undefined): p is PendingPayment =>
        p !== undefined && NON_FINAL_STATUSES.includes(p.status) && p.ts >= since && p.ts < before;
      const items = page.flatMap((p) => {
        const l = latest.get(p.id);
        return isStale(l) ? [l] : [];
      });
      return { total, items };
    },
  };
}
