import { UTC_ZONE, zoneOffsetMs } from '@paywatch/contracts';
import { isPartial, type ChartModel } from './chart-data.js';

/** ISO 8601 of `t` on the clock of `tz`, with its offset (`Z` for UTC), to the millisecond. */
export function isoInZone(t: number, tz: string): string {
  if (tz === UTC_ZONE) return new Date(t).toISOString();
  const off = zoneOffsetMs(t, tz);
  const local = new Date(t + off).toISOString().slice(0, 23);
  const m = Math.abs(off) / 60_000;
  const sign = off < 0 ? '-' : '+';
  return `${local}${sign}${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** RFC 4180 quoting: fields with a comma, quote or line break are quoted, quotes doubled. */
export function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/**
 * The chart as CSV: a `time` column (bucket start, ISO 8601 with the offset of the chart's zone:
 * `2026-03-08T00:00:00-05:00`, `…Z` for UTC), a `time_zone` column (the IANA zone day buckets
 * start in, so a file says which days it holds), for money metrics a `currency`
 * column (the reporting currency every amount is in, ISO 4217), then one column per series
 * in legend order, named by canonical ids whatever the UI language (`wechat_pay`, `failed`), values unrounded; an empty field where the chart shows no value.
 * A last column `partial` is `true` for the bucket still in progress when the data was read (its
 * values count only its first seconds) and for buckets not started yet, `false` otherwise.
 */
export function chartToCsv(model: ChartModel): string {
  // Money (GMV, average ticket) is in the reporting currency, whatever the groups are: a column
  // `JPY` of a GMV-by-currency export holds the yen payments' value in USD, not yen. Without a
  // `currency` column the file does not say which currency its amounts are in.
  const money = model.unit === 'money';
  const header = [
    'time',
    'time_zone',
    ...(money ? ['currency'] : []),
    ...model.series.map((s) => s.exportLabel),
    'partial',
  ]
    .map(csvField)
    .join(',');
  const lines = model.rows.map((r) =>
    [
      isoInZone(r.t, model.tz),
      csvField(model.tz),
      ...(money ? [csvField(model.currency)] : []),
      ...model.series.map((s) => {
        const v = r[s.id];
        return v === null || v === undefined ? '' : String(v);
      }),
      String(isPartial(model, r.t)),
    ].join(','),
  );
  return [header, ...lines].join('\r\n') + '\r\n';
}

/** Parses the CSV written by `chartToCsv` (used by tests and the end-to-end check). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (c !== '\r') field += c;
  }
  if (field.length > 0 || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/**
 * File name for an export, e.g. `paywatch-success_rate-by-provider-20260101T0000Z.csv`; money
 * metrics name their currency: `paywatch-gmv-USD-by-currency-20260101T0000Z.csv`.
 */
export function csvFileName(model: ChartModel, groupBy: string | null): string {
  const stamp = new Date(model.from).toISOString().replace(/[-:]/g, '').slice(0, 13) + 'Z';
  const unit = model.unit === 'money' ? `-${model.currency}` : '';
  return `paywatch-${model.metric}${unit}${groupBy ? `-by-${groupBy}` : ''}-${stamp}.csv`;
}
