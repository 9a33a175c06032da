import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Time-zone buckets of the read API. Day (and 6 h) buckets are cut at 00:00 UTC unless a query
// names an IANA zone (`tz`): then each local day of that zone starts a bucket at local midnight
// and is cut into 24 h / bucket pieces of elapsed time; a day of 23 or 25 hours (DST) gives a
// last piece an hour shorter or longer. ClickHouse computes the boundaries in SQL
// (`toStartOfDay(t, tz)`); these functions compute them in JS for gap-filling, plan choice, the
// contract tests and the embedded store (DuckDB places rows against them: ICU per row was 4–5×
// slower, see `bucketSql` in collector/src/store/embedded/sql.ts).
// ---------------------------------------------------------------------------------------------

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Week buckets start on Monday (ISO 8601), at 00:00 UTC or local midnight of a query's zone. */
export const WEEK_MS = 7 * DAY_MS;
/** 1970-01-05, the first Monday of the epoch: UTC weeks are multiples of 7 days after it. */
export const FIRST_MONDAY_MS = 4 * DAY_MS;

/** The zone of the default (epoch-aligned) buckets. */
export const UTC_ZONE = 'UTC';

/**
 * The zone the bucket functions (and the stores) take for a query's or chart's `tz`: null for
 * none or `UTC`, which cut the same buckets as epoch multiples (the cheaper path).
 */
export const bucketZone = (tz: string | null | undefined): string | null =>
  tz === undefined || tz === null || tz === UTC_ZONE ? null : tz;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    if (formatters.size > 500) formatters.clear();
    formatters.set(tz, f);
  }
  return f;
}

// Case matters: ClickHouse loads zones by file name ("asia/shanghai" fails there while Intl
// accepts it), and offsets such as "+05:30" are not zone names either store understands.
const ZONE_NAME = /^[A-Z][A-Za-z0-9_+-]*(?:\/[A-Z0-9][A-Za-z0-9_+-]*){0,2}$/;

/** Whether `s` is an IANA time-zone name (case as in the tz database) this runtime knows. */
export function isTimeZone(s: string): boolean {
  if (s.length > 64 || !ZONE_NAME.test(s)) return false;
  try {
    formatter(s);
    return true;
  } catch {
    return false;
  }
}

/** An IANA time-zone name in a query string (`Asia/Shanghai`, `America/New_York`, `UTC`). */
export const TimeZoneSchema = z.string().refine(isTimeZone, {
  message: 'expected an IANA time zone name such as Asia/Shanghai, America/New_York or UTC',
});

/** Whether buckets of this size follow a query's zone: 6 h, 1 d and 1 w (shorter ones stay on UTC multiples). */
export const isZonedBucket = (bucketMs: number): boolean =>
  bucketMs === WEEK_MS || (bucketMs >= 6 * HOUR_MS && DAY_MS % bucketMs === 0);

const mod = (a: number, b: number) => ((a % b) + b) % b;

/** Monday 00:00 of the week holding `ts`: UTC (no zone), or local midnight of `tz`. */
function startOfWeek(ts: number, tz: string | null): number {
  if (tz === null) return ts - mod(ts - FIRST_MONDAY_MS, WEEK_MS);
  const d = startOfZoneDay(ts, tz);
  // Days since Monday of the local date; then local midnight of the day about that many days
  // back from the local noon (a DST change in between moves it by an hour, not a day).
  const weekday = mod(Math.floor((d + zoneOffsetMs(d, tz)) / DAY_MS) - 4, 7);
  return weekday === 0 ? d : startOfZoneDay(d + 12 * HOUR_MS - weekday * DAY_MS, tz);
}

/** The zone's offset from UTC at `ts` in ms (UTC+8 = 28 800 000), to the second. */
export function zoneOffsetMs(ts: number, tz: string): number {
  const s = Math.floor(ts / 1000) * 1000;
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(new Date(s))) p[part.type] = Number(part.value);
  const wall = Date.UTC(
    p.year ?? 1970,
    (p.month ?? 1) - 1,
    p.day ?? 1,
    p.hour ?? 0,
    p.minute ?? 0,
    p.second ?? 0,
  );
  return wall - s;
}

/** The instant local midnight began the zone's day holding `ts`. */
export function startOfZoneDay(ts: number, tz: string): number {
  const localMidnight = Math.floor((ts + zoneOffsetMs(ts, tz)) / DAY_MS) * DAY_MS;
  // The offset at midnight may differ from the one at `ts` (a DST change that day).
  let t = localMidnight - zoneOffsetMs(localMidnight - zoneOffsetMs(ts, tz), tz);
  const o = zoneOffsetMs(t, tz);
  if (t + o !== localMidnight) {
    const t2 = localMidnight - o;
    // Neither reads midnight: the clocks skip it (Santiago, Havana, Beirut, Cairo spring forward
    // at 00:00) and the day begins at the change, the later one (the other is the day before's
    // 23:00), as ICU and ClickHouse place it.
    t = t2 + zoneOffsetMs(t2, tz) === localMidnight ? t2 : Math.max(t, t2);
  }
  return t;
}

/** Start of the bucket holding `ts`: epoch multiples, or local days of `tz` for zoned buckets. */
export function bucketStart(ts: number, bucketMs: number, tz: string | null): number {
  if (bucketMs === WEEK_MS) return startOfWeek(ts, tz);
  if (tz === null || !isZonedBucket(bucketMs)) return ts - mod(ts, bucketMs);
  const d = startOfZoneDay(ts, tz);
  const k = Math.min(Math.floor((ts - d) / bucketMs), DAY_MS / bucketMs - 1);
  return d + k * bucketMs;
}

/** Start of the bucket after the one starting at `start`. */
export function nextBucketStart(start: number, bucketMs: number, tz: string | null): number {
  if (tz === null || !isZonedBucket(bucketMs)) return start + bucketMs;
  if (bucketMs === WEEK_MS) return startOfWeek(start + WEEK_MS + 12 * HOUR_MS, tz);
  const n = bucketStart(start + bucketMs, bucketMs, tz);
  // The last bucket of a 25-hour day is an hour longer: one more step reaches the next day.
  return n > start ? n : bucketStart(start + 2 * bucketMs, bucketMs, tz);
}

/**
 * Starts of the buckets meeting [from, to), oldest first; stops after `max` + 1 (the caller
 * refuses that many). Zoned buckets walk local days (one midnight look-up per day).
 */
export function bucketStarts(
  from: number,
  to: number,
  bucketMs: number,
  tz: string | null,
  max: number,
): number[] {
  const out: number[] = [];
  if (tz === null || !isZonedBucket(bucketMs) || bucketMs === WEEK_MS) {
    for (
      let t = bucketStart(from, bucketMs, tz);
      t < to && out.length <= max;
      t = nextBucketStart(t, bucketMs, tz)
    )
      out.push(t);
    return out;
  }
  const first = bucketStart(from, bucketMs, tz);
  for (let d = startOfZoneDay(first, tz); d < to && out.length <= max;) {
    // Every local day (23 to 25 hours) holds 24 h / bucket starts, the last at least 5 h long.
    for (let k = 0; k < DAY_MS / bucketMs; k++) {
      const t = d + k * bucketMs;
      if (t >= to || out.length > max) break;
      if (t >= first) out.push(t);
    }
    // Noon-ish of the next local day, whatever this one's length.
    d = startOfZoneDay(d + 36 * HOUR_MS, tz);
  }
  return out;
}

/**
 * `starts` (from `bucketStarts`) with every other time of `points` added, sorted: a store (or a
 * server) whose zone data differ from this runtime's (a rule changed since) may cut a day
 * elsewhere, and its buckets are kept rather than their counts dropped. Sorts `starts` in place.
 */
export function withPointStarts(starts: number[], points: Iterable<{ t: number }>): number[] {
  const known = new Set(starts);
  let extra = false;
  for (const p of points)
    if (!known.has(p.t)) {
      known.add(p.t);
      starts.push(p.t);
      extra = true;
    }
  return extra ? starts.sort((a, b) => a - b) : starts;
}

/**
 * The coarsest grid every bucket boundary of [from, to) lies on: `hour` when the zone's local
 * midnights there are whole UTC hours (Asia/Shanghai, America/New_York), `minute` for offsets
 * such as +05:30 or +05:45, `none` otherwise (historic offsets with seconds). Decides which
 * rollups can answer a zoned read exactly.
 */
export function zoneGrid(
  from: number,
  to: number,
  bucketMs: number,
  tz: string | null,
): 'hour' | 'minute' | 'none' {
  if (tz === null || !isZonedBucket(bucketMs)) return 'hour';
  let grid: 'hour' | 'minute' | 'none' = 'hour';
  const max = Math.ceil((to - from) / DAY_MS) + 2;
  for (const t of bucketStarts(from, to, DAY_MS, tz, max)) {
    if (t % 60_000 !== 0) return 'none';
    if (t % HOUR_MS !== 0) grid = 'minute';
  }
  return grid;
}
