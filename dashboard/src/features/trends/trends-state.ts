import {
  BUCKETS,
  DIMENSIONS,
  UTC_ZONE,
  WEEK_MS,
  bucketStart,
  bucketZone,
  isTimeZone,
  isZonedBucket,
  nextBucketStart,
  type BucketName,
  type Dimension,
} from '@paywatch/contracts';

// The whole explorer state lives in the URL query string (shareable, back button works).
// `parseTrendsState(serializeTrendsState(s))` returns `s` for every valid state.

export const RANGE_PRESETS = {
  '15m': 900_000,
  '1h': 3_600_000,
  '6h': 21_600_000,
  '24h': 86_400_000,
  '7d': 604_800_000,
  '30d': 2_592_000_000,
} as const;
export type RangePreset = keyof typeof RANGE_PRESETS;
export const METRICS = [
  'attempts',
  'success_rate',
  'gmv',
  'avg_ticket',
  'latency_p95',
  'decline_rate',
] as const;
export type Metric = (typeof METRICS)[number];
export const COMPARES = ['none', 'previous', 'week', 'year'] as const;
export type Compare = (typeof COMPARES)[number];
export const CHART_TYPES = ['line', 'area', 'bar'] as const;
export type ChartType = (typeof CHART_TYPES)[number];
export const BUCKET_NAMES = Object.keys(BUCKETS) as BucketName[];

/** Everything the explorer shows; `from`/`to` are set only for a custom range. */
export interface TrendsState {
  range: RangePreset | 'custom';
  from?: number;
  to?: number;
  bucket: BucketName | 'auto';
  metric: Metric;
  groupBy: Dimension | null;
  compare: Compare;
  chart: ChartType;
  filters: Partial<Record<Dimension, string[]>>;
  /**
   * The zone day (and 6 h) buckets and every time shown follow: `local` (the browser's zone,
   * `browserZone()`), `UTC`, or another IANA name a shared URL carried. URL parameter `tz`
   * (omitted for `local`).
   */
  tz: 'local' | string;
}

export const DEFAULT_TRENDS: TrendsState = {
  range: '1h',
  bucket: 'auto',
  metric: 'attempts',
  groupBy: null,
  compare: 'none',
  chart: 'line',
  filters: {},
  tz: 'local',
};

/**
 * Legacy zone names browsers still return (ICU keeps CLDR's canonical ids, which predate IANA's
 * renames: Chromium in Kolkata reports `Asia/Calcutta`) → today's IANA names. Both stores take
 * either (DuckDB's ICU, ClickHouse's zoneinfo files); the page shows the name people know.
 */
export const LEGACY_ZONES: Readonly<Record<string, string>> = {
  'Africa/Asmera': 'Africa/Asmara',
  'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
  'America/Catamarca': 'America/Argentina/Catamarca',
  'America/Cordoba': 'America/Argentina/Cordoba',
  'America/Godthab': 'America/Nuuk',
  'America/Indianapolis': 'America/Indiana/Indianapolis',
  'America/Jujuy': 'America/Argentina/Jujuy',
  'America/Louisville': 'America/Kentucky/Louisville',
  'America/Mendoza': 'America/Argentina/Mendoza',
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Rangoon': 'Asia/Yangon',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'Europe/Kiev': 'Europe/Kyiv',
  'Pacific/Enderbury': 'Pacific/Kanton',
  'Pacific/Ponape': 'Pacific/Pohnpei',
  'Pacific/Truk': 'Pacific/Chuuk',
};

/** `zone` under its current IANA name (`Asia/Calcutta` → `Asia/Kolkata`); other names unchanged. */
export const canonicalZone = (zone: string): string => LEGACY_ZONES[zone] ?? zone;

/** The browser's IANA zone (`Intl`, canonical name), or UTC when it names none both stores accept. */
export function browserZone(): string {
  const z = new Intl.DateTimeFormat().resolvedOptions().timeZone;
  return typeof z === 'string' && isTimeZone(z) ? canonicalZone(z) : UTC_ZONE;
}

/** The IANA zone a state's buckets and times follow (`local` resolved to `browser`). */
export const zoneOf = (s: Pick<TrendsState, 'tz'>, browser: string = browserZone()): string =>
  s.tz === 'local' ? browser : s.tz;

const oneOf = <T extends string | null>(list: readonly (T & string)[], v: string | null, dflt: T): T =>
  v !== null && (list as readonly string[]).includes(v) ? (v as T) : dflt;

const csvValues = (v: string) => [
  ...new Set(
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ),
];

const time = (v: string | null): number | undefined => {
  if (v === null) return undefined;
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  return Number.isFinite(n) ? n : undefined;
};

/** Reads the explorer state from a query string; anything invalid falls back to the default. */
export function parseTrendsState(q: URLSearchParams): TrendsState {
  const filters: TrendsState['filters'] = {};
  for (const d of DIMENSIONS) {
    const v = q.get(d);
    if (v !== null && csvValues(v).length > 0) filters[d] = csvValues(v);
  }
  const metric = oneOf(METRICS, q.get('metric'), DEFAULT_TRENDS.metric);
  const s: TrendsState = {
    range: oneOf<RangePreset | 'custom'>(
      [...Object.keys(RANGE_PRESETS), 'custom'] as (RangePreset | 'custom')[],
      q.get('range'),
      DEFAULT_TRENDS.range,
    ),
    bucket: oneOf<BucketName | 'auto'>([...BUCKET_NAMES, 'auto'], q.get('bucket'), 'auto'),
    metric,
    // Decline rate by category is defined per failure category: the grouping is implied.
    groupBy:
      metric === 'decline_rate'
        ? 'failure_category'
        : oneOf<Dimension | null>(DIMENSIONS, q.get('group_by'), null),
    compare: oneOf(COMPARES, q.get('compare'), DEFAULT_TRENDS.compare),
    chart: oneOf(CHART_TYPES, q.get('chart'), DEFAULT_TRENDS.chart),
    filters,
    tz: ((v) => (v !== null && isTimeZone(v) ? canonicalZone(v) : DEFAULT_TRENDS.tz))(q.get('tz')),
  };
  if (s.range === 'custom') {
    const from = time(q.get('from'));
    const to = time(q.get('to'));
    if (from !== undefined && to !== undefined && to > from) {
      s.from = from;
      s.to = to;
    } else {
      s.range = DEFAULT_TRENDS.range;
    }
  }
  return s;
}

/** Writes the state as a query string, omitting defaults so shared URLs stay short. */
export function serializeTrendsState(s: TrendsState): string {
  const q = new URLSearchParams();
  if (s.range !== DEFAULT_TRENDS.range) q.set('range', s.range);
  if (s.range === 'custom' && s.from !== undefined && s.to !== undefined) {
    q.set('from', new Date(s.from).toISOString());
    q.set('to', new Date(s.to).toISOString());
  }
  if (s.bucket !== 'auto') q.set('bucket', s.bucket);
  if (s.metric !== DEFAULT_TRENDS.metric) q.set('metric', s.metric);
  if (s.groupBy && s.metric !== 'decline_rate') q.set('group_by', s.groupBy);
  if (s.compare !== DEFAULT_TRENDS.compare) q.set('compare', s.compare);
  if (s.chart !== DEFAULT_TRENDS.chart) q.set('chart', s.chart);
  if (s.tz !== DEFAULT_TRENDS.tz) q.set('tz', s.tz);
  for (const d of DIMENSIONS) {
    const v = s.filters[d];
    if (v && v.length > 0) q.set(d, v.join(','));
  }
  return q.toString();
}

/** The bucket used for a span: the finest one giving at most ~360 points. */
export function autoBucket(spanMs: number): BucketName {
  // Weeks only when chosen: a year of days (≤ 400 in the read API) still reads as a line.
  for (const b of BUCKET_NAMES) if (b !== '1w' && spanMs / BUCKETS[b] <= 360) return b;
  return '1d';
}

/**
 * Most buckets a chosen granularity may give (the granularity menu offers no finer one). The read
 * API refuses more than 5 000; at 2 000 a line is already denser than the chart's pixels.
 */
const MAX_POINTS = 2000;

/** Whether `bucket` may be used for a span of `spanMs` (at most `MAX_POINTS` buckets). */
export const bucketFits = (bucket: BucketName, spanMs: number): boolean =>
  spanMs / BUCKETS[bucket] <= MAX_POINTS;

/**
 * The concrete `[from, to)` of a state at `now`. A chosen granularity too fine for the range (1m
 * kept from a 1 h view when switching to 30 d, or from a shared URL) gives way to `auto`: the read
 * API would refuse it (43 200 buckets) and the chart show an error instead of the range. Preset
 * ranges end at the next bucket boundary after `now`, and a custom range is widened to whole
 * buckets, so every bucket covers its whole length and the comparison shifts line up. `tz` (an
 * IANA zone; null or UTC = epoch multiples) is where 6 h and 1 d buckets start: local midnight.
 */
export function resolveRange(
  s: TrendsState,
  now: number,
  tz: string | null = null,
): { from: number; to: number; bucket: BucketName } {
  const pick = (span: number) =>
    s.bucket === 'auto' || !bucketFits(s.bucket, span) ? autoBucket(span) : s.bucket;
  const zone = bucketZone(tz);
  if (s.range === 'custom' && s.from !== undefined && s.to !== undefined) {
    // Widened to whole buckets: the read API cuts buckets at bucket boundaries, so a range from
    // 10:03 in 5 min buckets had a first bucket 10:00–10:05 counting only its last 2 minutes —
    // a false dip, exported as complete, and its drill-down listed 10:00–10:03 too.
    const bucket = pick(s.to - s.from);
    const b = BUCKETS[bucket];
    return {
      from: bucketStart(s.from, b, zone),
      to: nextBucketStart(bucketStart(s.to - 1, b, zone), b, zone),
      bucket,
    };
  }
  const span = RANGE_PRESETS[s.range === 'custom' ? '1h' : s.range];
  const bucket = pick(span);
  const b = BUCKETS[bucket];
  const to = nextBucketStart(bucketStart(now, b, zone), b, zone);
  const from = to - Math.max(span, b);
  // Weeks: back to the Monday before, so the first week is whole (30 d shows 5 weeks). Across a
  // DST change `span` is an hour off whole local days: snap to the nearest start.
  if (b === WEEK_MS) return { from: bucketStart(from, b, zone), to, bucket };
  return { from: zone !== null && isZonedBucket(b) ? snapToBucket(from, b, zone) : from, to, bucket };
}

/** The bucket start nearest `t` when `t` is at most an hour off one (a DST shift of whole days). */
export function snapToBucket(t: number, bucketMs: number, tz: string | null): number {
  return bucketStart(t + 3_600_000, bucketMs, bucketZone(tz));
}

/**
 * Where buckets of `bucketMs` begin on the analyst's clock, when that is not a local boundary:
 * the read API cuts buckets on UTC (epoch) boundaries, so for a browser at UTC+8 a `1d` bucket
 * runs from 08:00 to 08:00 local time, not midnight to midnight. Returns the local time of 00:00
 * UTC (a bucket boundary) in minutes after local midnight (480 for 08:00), or `null` when buckets
 * start on local boundaries (minute to hour buckets, or an offset of whole buckets such as UTC).
 * `offsetMin` is the local offset from UTC in minutes (UTC+8 = 480; the range start's, as DST moves it).
 */
export function utcBucketStart(bucketMs: number, offsetMin: number): number | null {
  if (bucketMs < 6 * 3_600_000) return null;
  if ((offsetMin * 60_000) % bucketMs === 0) return null;
  return ((offsetMin % 1440) + 1440) % 1440;
}
