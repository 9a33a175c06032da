import { DIMENSIONS, isTimeZone, type Filters } from '@paywatch/contracts';
import type { RangeParams } from '../../api/index.js';

const HOUR = 3_600_000;

const time = (v: string | null): number | undefined => {
  if (v === null) return undefined;
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  return Number.isFinite(n) ? n : undefined;
};

/**
 * The transaction list's URL uses the read API's own parameter names (`from`, `to`, one
 * comma-separated parameter per dimension), so a drill-down link is the API query.
 */
export function parseTxQuery(q: URLSearchParams, now: number): RangeParams {
  const filters: Filters = {};
  for (const d of DIMENSIONS) {
    const v = q.get(d);
    const vals =
      v
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean) ?? [];
    if (vals.length > 0) filters[d] = vals;
  }
  const to = time(q.get('to')) ?? now;
  const from = time(q.get('from')) ?? to - HOUR;
  return { from, to, filters };
}

/**
 * The zone the list's times are shown in: `tz`, the zone of the chart a drill-down came from (an
 * IANA name), or `undefined` — the browser's own — when absent or not a zone.
 */
export function txZone(q: URLSearchParams): string | undefined {
  const z = q.get('tz');
  return z && isTimeZone(z) ? z : undefined;
}

/**
 * The list URL for a range + filters (used by drill-down links); `tz` names the zone the
 * drill-down's chart was drawn in, so the list shows the bucket on the same clock.
 */
export function txHref(p: RangeParams, tz?: string): string {
  const q = new URLSearchParams();
  q.set('from', new Date(p.from).toISOString());
  q.set('to', new Date(p.to).toISOString());
  for (const d of DIMENSIONS) {
    const v = p.filters?.[d];
    if (v && v.length > 0) q.set(d, v.join(','));
  }
  if (tz) q.set('tz', tz);
  return `/transactions?${q}`;
}

/**
 * Whether `from`…`to` (`to` exclusive) lies within one calendar day of `zone` (the browser's when
 * undefined): then the list's rows need only their time of day, otherwise their date too.
 */
export function withinOneDay(from: number, to: number, zone?: string): boolean {
  const day = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  return day.format(from) === day.format(Math.max(from, to - 1));
}
