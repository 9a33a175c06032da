// Guards the explorer's URL state: every state survives a round trip through the query string, junk falls back to defaults.
import { TimeZoneSchema, zoneOffsetMs } from '@paywatch/contracts';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TRENDS,
  LEGACY_ZONES,
  autoBucket,
  browserZone,
  canonicalZone,
  parseTrendsState,
  resolveRange,
  serializeTrendsState,
  utcBucketStart,
  zoneOf,
  type TrendsState,
} from './trends-state.js';
import { comparisonRange } from './compare.js';

const roundTrip = (s: TrendsState) => parseTrendsState(new URLSearchParams(serializeTrendsState(s)));

describe('trends URL state', () => {
  it('round-trips the default state as an empty query string', () => {
    expect(serializeTrendsState(DEFAULT_TRENDS)).toBe('');
    expect(parseTrendsState(new URLSearchParams(''))).toEqual(DEFAULT_TRENDS);
  });

  it('round-trips a fully specified state', () => {
    const s: TrendsState = {
      range: '7d',
      bucket: '1h',
      metric: 'success_rate',
      groupBy: 'provider',
      compare: 'week',
      chart: 'bar',
      filters: { country: ['DE', 'FR'], method: ['card'] },
      tz: 'Asia/Shanghai',
    };
    expect(roundTrip(s)).toEqual(s);
  });

  it('round-trips a custom range as ISO timestamps', () => {
    const s: TrendsState = {
      ...DEFAULT_TRENDS,
      range: 'custom',
      from: Date.UTC(2026, 0, 5, 10),
      to: Date.UTC(2026, 0, 6, 10, 30),
    };
    const q = serializeTrendsState(s);
    expect(q).toContain('from=2026-01-05T10%3A00%3A00.000Z');
    expect(roundTrip(s)).toEqual(s);
  });

  it('round-trips every metric, compare mode and chart type', () => {
    for (const metric of ['attempts', 'success_rate', 'gmv', 'avg_ticket', 'latency_p95'] as const)
      for (const compare of ['none', 'previous', 'week', 'year'] as const)
        for (const chart of ['line', 'area', 'bar'] as const) {
          const s: TrendsState = { ...DEFAULT_TRENDS, metric, compare, chart, groupBy: 'card_bin' };
          expect(roundTrip(s)).toEqual(s);
        }
  });

  it('decline rate by category implies grouping by failure category', () => {
    const s = parseTrendsState(new URLSearchParams('metric=decline_rate&group_by=provider'));
    expect(s.groupBy).toBe('failure_category');
    expect(serializeTrendsState(s)).toBe('metric=decline_rate');
    expect(roundTrip(s)).toEqual(s);
  });

  it('ignores invalid values instead of failing', () => {
    const s = parseTrendsState(
      new URLSearchParams(
        'range=2w&bucket=7m&metric=x&group_by=pan&compare=decade&chart=pie&provider=,,&nope=1',
      ),
    );
    expect(s).toEqual(DEFAULT_TRENDS);
  });

  it('falls back to the default range when a custom range is incomplete or inverted', () => {
    expect(parseTrendsState(new URLSearchParams('range=custom&from=2026-01-02T00:00:00Z')).range).toBe('1h');
    expect(parseTrendsState(new URLSearchParams('range=custom&from=2000&to=1000')).range).toBe('1h');
    expect(parseTrendsState(new URLSearchParams('range=custom&from=1000&to=2000'))).toMatchObject({
      range: 'custom',
      from: 1000,
      to: 2000,
    });
  });

  it('dedupes and trims filter values', () => {
    expect(parseTrendsState(new URLSearchParams('provider=stripe, adyen,stripe')).filters).toEqual({
      provider: ['stripe', 'adyen'],
    });
  });
});

describe('range resolution', () => {
  it('picks the finest bucket with at most 360 points', () => {
    expect(autoBucket(15 * 60_000)).toBe('1m');
    expect(autoBucket(3_600_000)).toBe('1m');
    expect(autoBucket(86_400_000)).toBe('5m');
    expect(autoBucket(7 * 86_400_000)).toBe('1h');
    expect(autoBucket(30 * 86_400_000)).toBe('6h');
  });

  it('ends a preset range on the bucket boundary after now, with whole buckets', () => {
    const now = Date.UTC(2026, 2, 3, 14, 37, 12);
    const r = resolveRange({ ...DEFAULT_TRENDS, range: '24h' }, now);
    expect(r.bucket).toBe('5m');
    expect(r.to).toBe(Date.UTC(2026, 2, 3, 14, 40));
    expect(r.to - r.from).toBe(86_400_000);
    expect(r.from % 300_000).toBe(0);
  });

  it('honours an explicit granularity and a custom range, widened to whole buckets', () => {
    const r = resolveRange(
      { ...DEFAULT_TRENDS, range: 'custom', from: 1_000, to: 7_201_000, bucket: '15m' },
      0,
    );
    expect(r).toEqual({ from: 0, to: 8_100_000, bucket: '15m' });
    // Already whole: unchanged. From 10:03 to 11:58 in 5 min buckets: 10:00 to 12:00.
    const aligned = {
      ...DEFAULT_TRENDS,
      range: 'custom' as const,
      from: 900_000,
      to: 7_200_000,
      bucket: '15m' as const,
    };
    expect(resolveRange(aligned, 0)).toEqual({ from: 900_000, to: 7_200_000, bucket: '15m' });
    const odd = resolveRange(
      {
        ...DEFAULT_TRENDS,
        range: 'custom',
        from: Date.UTC(2026, 0, 5, 10, 3),
        to: Date.UTC(2026, 0, 5, 11, 58),
        bucket: '5m',
      },
      0,
    );
    expect([odd.from, odd.to]).toEqual([Date.UTC(2026, 0, 5, 10, 0), Date.UTC(2026, 0, 5, 12, 0)]);
  });
});

describe('granularity kept across a range change', () => {
  const now = Date.UTC(2026, 10, 26, 12, 30, 10);
  it('gives way to auto when the chosen bucket is too fine for the range (1m kept when switching to 30 d)', () => {
    const s = parseTrendsState(new URLSearchParams('range=30d&bucket=1m'));
    const r = resolveRange(s, now);
    expect(r.bucket).toBe(autoBucket(30 * 86_400_000));
    expect((r.to - r.from) / 60_000).toBeGreaterThan(5000); // what 1m would have asked the API for
    const custom = resolveRange(
      { ...DEFAULT_TRENDS, range: 'custom', from: now - 10 * 86_400_000, to: now, bucket: '5m' },
      now,
    );
    expect(custom.bucket).toBe(autoBucket(10 * 86_400_000));
  });

  it('keeps a chosen bucket that fits the range', () => {
    expect(resolveRange({ ...DEFAULT_TRENDS, range: '24h', bucket: '1m' }, now).bucket).toBe('1m');
    expect(resolveRange({ ...DEFAULT_TRENDS, range: '7d', bucket: '1d' }, now).bucket).toBe('1d');
  });
});

describe('buckets cut on UTC boundaries, seen from the analyst’s time zone', () => {
  it('says where day and 6 h buckets start on a clock ahead of or behind UTC', () => {
    expect(utcBucketStart(86_400_000, 480)).toBe(8 * 60); // Shanghai: days run 08:00–08:00
    expect(utcBucketStart(86_400_000, -300)).toBe(19 * 60); // New York (EST): 19:00–19:00
    expect(utcBucketStart(86_400_000, 330)).toBe(5 * 60 + 30); // India
    expect(utcBucketStart(21_600_000, 480)).toBe(8 * 60); // 6 h buckets at 08:00, 14:00, 20:00, 02:00
  });

  it('says nothing where buckets start on local boundaries', () => {
    expect(utcBucketStart(86_400_000, 0)).toBeNull();
    expect(utcBucketStart(21_600_000, 360)).toBeNull();
    expect(utcBucketStart(3_600_000, 330)).toBeNull();
  });
});

describe('time zone of day buckets: selector state in the URL', () => {
  const H = 3_600_000;
  const D = 24 * H;

  it('keeps UTC or a named zone in `tz`, omits the browser default, drops junk', () => {
    expect(serializeTrendsState({ ...DEFAULT_TRENDS, tz: 'UTC' })).toBe('tz=UTC');
    expect(roundTrip({ ...DEFAULT_TRENDS, tz: 'UTC' }).tz).toBe('UTC');
    expect(roundTrip({ ...DEFAULT_TRENDS, tz: 'America/New_York' }).tz).toBe('America/New_York');
    expect(serializeTrendsState({ ...DEFAULT_TRENDS, tz: 'local' })).toBe('');
    for (const junk of ['asia/shanghai', '+08:00', 'Nowhere/Town', ''])
      expect(parseTrendsState(new URLSearchParams({ tz: junk })).tz, junk).toBe('local');
    expect(zoneOf({ tz: 'local' }, 'Asia/Shanghai')).toBe('Asia/Shanghai');
    expect(zoneOf({ tz: 'UTC' }, 'Asia/Shanghai')).toBe('UTC');
  });

  it('day buckets of a range end and start at local midnight, also across DST', () => {
    const now = Date.UTC(2026, 2, 10, 15);
    const week = { ...DEFAULT_TRENDS, range: '7d' as const, bucket: '1d' as const };
    // New York: EDT since 2026-03-08, so midnight is 04:00 UTC now and was 05:00 UTC a week ago.
    expect(resolveRange(week, now, 'America/New_York')).toEqual({
      from: Date.UTC(2026, 2, 4, 5),
      to: Date.UTC(2026, 2, 11, 4),
      bucket: '1d',
    });
    // UTC (or no zone) keeps epoch days.
    expect(resolveRange(week, now, 'UTC')).toEqual(resolveRange(week, now));
    expect(resolveRange(week, now).to).toBe(Date.UTC(2026, 2, 11));
    // A custom range widens to whole Kolkata days (+05:30).
    const custom = resolveRange(
      {
        ...DEFAULT_TRENDS,
        range: 'custom',
        bucket: '1d',
        from: Date.UTC(2026, 0, 5, 10),
        to: Date.UTC(2026, 0, 8, 10),
      },
      now,
      'Asia/Kolkata',
    );
    expect(custom).toEqual({
      from: Date.UTC(2026, 0, 4, 18, 30),
      to: Date.UTC(2026, 0, 8, 18, 30),
      bucket: '1d',
    });
    // Finer buckets ignore the zone.
    expect(resolveRange({ ...DEFAULT_TRENDS, range: '1h' }, now, 'Asia/Kolkata')).toEqual(
      resolveRange({ ...DEFAULT_TRENDS, range: '1h' }, now),
    );
  });

  it('week buckets run Monday to Monday, in UTC or the zone; never chosen automatically', () => {
    const now = Date.UTC(2026, 2, 11, 15); // a Wednesday
    const s = { ...DEFAULT_TRENDS, range: '30d' as const, bucket: '1w' as const };
    expect(resolveRange(s, now)).toEqual({
      from: Date.UTC(2026, 1, 9),
      to: Date.UTC(2026, 2, 16),
      bucket: '1w',
    });
    expect(resolveRange(s, now, 'America/New_York').to).toBe(Date.UTC(2026, 2, 16, 4));
    expect(roundTrip(s).bucket).toBe('1w');
    expect(autoBucket(400 * D)).toBe('1d');
  });

  it('last week across DST compares whole local days', () => {
    const c = comparisonRange('week', Date.UTC(2026, 2, 9, 4), Date.UTC(2026, 2, 11, 4), {
      bucketMs: D,
      tz: 'America/New_York',
    });
    expect(c).toEqual({ from: Date.UTC(2026, 2, 2, 5), to: Date.UTC(2026, 2, 4, 5), offset: 7 * D });
  });
});

describe('zone names', () => {
  it('names the browser zone by its current IANA name (Node/Chromium in Kolkata report Asia/Calcutta)', () => {
    const processTz = process.env.TZ;
    try {
      process.env.TZ = 'Asia/Kolkata';
      expect(new Intl.DateTimeFormat().resolvedOptions().timeZone).toBe('Asia/Calcutta');
      expect(browserZone()).toBe('Asia/Kolkata');
      process.env.TZ = 'Europe/Kyiv';
      expect(browserZone()).toBe('Europe/Kyiv');
    } finally {
      if (processTz === undefined) delete process.env.TZ;
      else process.env.TZ = processTz;
    }
    // A shared URL with the legacy name reads as the same zone (the selector's "local" entry).
    expect(parseTrendsState(new URLSearchParams('tz=Asia/Calcutta')).tz).toBe('Asia/Kolkata');
    expect(canonicalZone('America/New_York')).toBe('America/New_York');
  });

  it('every current name is one the read API accepts, with the same offsets as the legacy one', () => {
    const instants = [Date.UTC(2026, 0, 15), Date.UTC(2026, 6, 15)];
    for (const [legacy, current] of Object.entries(LEGACY_ZONES)) {
      expect(TimeZoneSchema.safeParse(current).success, current).toBe(true);
      expect(TimeZoneSchema.safeParse(legacy).success, legacy).toBe(true);
      for (const t of instants)
        expect(zoneOffsetMs(t, current), `${current} at ${t}`).toBe(zoneOffsetMs(t, legacy));
    }
  });
});
