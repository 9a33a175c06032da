// Guards the time-zone bucket helpers the read API fills gaps with: IANA names only (case as in the tz database), local-midnight days across DST (a skipped midnight too) and in +05:45, a store's other cuts kept.
import { describe, expect, it } from 'vitest';
import {
  TimeZoneSchema,
  WEEK_MS,
  bucketStart,
  bucketStarts,
  bucketZone,
  withPointStarts,
  zoneGrid,
} from './time-zone.js';

const H = 3_600_000;
const D = 24 * H;

describe('time-zone buckets', () => {
  it('accepts IANA names and refuses wrong case, offsets and unknown zones', () => {
    for (const ok of [
      'UTC',
      'Asia/Shanghai',
      'America/New_York',
      'America/Argentina/Buenos_Aires',
      'Etc/GMT+5',
    ])
      expect(TimeZoneSchema.safeParse(ok).success, ok).toBe(true);
    for (const bad of ['asia/shanghai', '+05:30', 'Mars/Olympus_Mons', '', 'Asia/Shanghai; DROP'])
      expect(TimeZoneSchema.safeParse(bad).success, bad).toBe(false);
  });

  it('a day whose midnight the clocks skip begins at the change, not at 23:00 the day before', () => {
    // Santiago springs forward at 00:00 on 2026-09-06 (−04 → −03): the day begins at 01:00 local,
    // 04:00 UTC, as DuckDB's ICU and ClickHouse cut it; its last hour's rows stay in the 5th.
    const change = Date.UTC(2026, 8, 6, 4);
    expect(bucketStarts(change - 2 * D, change + 2 * D - 2 * H, D, 'America/Santiago', 10)).toEqual([
      Date.UTC(2026, 8, 4, 4),
      Date.UTC(2026, 8, 5, 4),
      change,
      Date.UTC(2026, 8, 7, 3),
    ]);
    expect(bucketStart(change - H / 2, D, 'America/Santiago')).toBe(Date.UTC(2026, 8, 5, 4));
    expect(bucketStart(change + 5 * H, 6 * H, 'America/Santiago')).toBe(change);
    expect(bucketStart(change + 20 * H, 6 * H, 'America/Santiago')).toBe(change + 18 * H);
    // Beirut (00:00 on the last Sunday of March, +02 → +03): the same.
    expect(bucketStart(Date.UTC(2026, 2, 29, 3), D, 'Asia/Beirut')).toBe(Date.UTC(2026, 2, 28, 22));
  });

  it('day and 6 h buckets start at local midnight; the spring-forward day lasts 23 h', () => {
    const from = Date.UTC(2026, 2, 7, 5);
    expect(bucketStarts(from, from + 3 * D - 2 * H, D, 'America/New_York', 10)).toEqual([
      Date.UTC(2026, 2, 7, 5),
      Date.UTC(2026, 2, 8, 5),
      Date.UTC(2026, 2, 9, 4),
    ]);
    // 6 h of elapsed time from local midnight; the 23-hour day's last bucket is 5 h long.
    expect(
      bucketStarts(Date.UTC(2026, 2, 8, 5), Date.UTC(2026, 2, 9, 5), 6 * H, 'America/New_York', 10),
    ).toEqual([
      Date.UTC(2026, 2, 8, 5),
      Date.UTC(2026, 2, 8, 11),
      Date.UTC(2026, 2, 8, 17),
      Date.UTC(2026, 2, 8, 23),
      Date.UTC(2026, 2, 9, 4),
    ]);
    // Fall back (2026-11-01, 25 h): the last 6 h bucket is 7 h long.
    expect(
      bucketStarts(Date.UTC(2026, 10, 1, 4), Date.UTC(2026, 10, 2, 6), 6 * H, 'America/New_York', 10),
    ).toEqual([
      Date.UTC(2026, 10, 1, 4),
      Date.UTC(2026, 10, 1, 10),
      Date.UTC(2026, 10, 1, 16),
      Date.UTC(2026, 10, 1, 22),
      Date.UTC(2026, 10, 2, 5),
    ]);
  });

  it('week buckets start on Monday: 00:00 UTC, or local midnight across DST', () => {
    expect(bucketStart(Date.UTC(2026, 0, 7, 15), WEEK_MS, null)).toBe(Date.UTC(2026, 0, 5));
    expect(bucketStart(Date.UTC(2026, 0, 5), WEEK_MS, null)).toBe(Date.UTC(2026, 0, 5));
    expect(bucketStart(Date.UTC(2026, 0, 4, 23, 59), WEEK_MS, null)).toBe(Date.UTC(2025, 11, 29));
    // Shanghai's Monday begins on Sunday 16:00 UTC.
    expect(bucketStart(Date.UTC(2026, 0, 4, 16), WEEK_MS, 'Asia/Shanghai')).toBe(Date.UTC(2026, 0, 4, 16));
    expect(
      bucketStarts(Date.UTC(2026, 2, 1), Date.UTC(2026, 2, 17), WEEK_MS, 'America/New_York', 10),
    ).toEqual([
      Date.UTC(2026, 1, 23, 5),
      Date.UTC(2026, 2, 2, 5),
      Date.UTC(2026, 2, 9, 4),
      Date.UTC(2026, 2, 16, 4),
    ]);
  });

  it('says which grid local midnights lie on, and ignores the zone for finer buckets', () => {
    const r = [Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 10)] as const;
    expect(zoneGrid(...r, D, 'America/New_York')).toBe('hour');
    expect(zoneGrid(...r, D, 'Asia/Kathmandu')).toBe('minute');
    expect(zoneGrid(...r, H, 'Asia/Kathmandu')).toBe('hour');
    expect(
      bucketStarts(Date.UTC(2026, 0, 1, 0, 10), Date.UTC(2026, 0, 1, 2), H, 'Asia/Kathmandu', 10),
    ).toEqual([Date.UTC(2026, 0, 1, 0), Date.UTC(2026, 0, 1, 1)]);
  });

  it('keeps the buckets a store cut elsewhere, once and in order; none or UTC is no zone', () => {
    const starts = [0, 2 * D];
    expect(withPointStarts(starts, [{ t: 2 * D }, { t: D + H }, { t: D + H }])).toEqual([0, D + H, 2 * D]);
    expect(withPointStarts([0, D], [{ t: D }])).toEqual([0, D]);
    expect([bucketZone(undefined), bucketZone(null), bucketZone('UTC'), bucketZone('Asia/Kolkata')]).toEqual([
      null,
      null,
      null,
      'Asia/Kolkata',
    ]);
  });
});
