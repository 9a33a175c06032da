import { DIMENSIONS, type Filters } from '@paywatch/contracts';
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

/** The list URL for a range + filters (used by drill-down links). */
export function txHref(p: RangeParams): string {
  const q = new URLSearchParams();
  q.set('from', new Date(p.from).toISOString());
  q.set('to', new Date(p.to).toISOString());
  for (const d of DIMENSIONS) {
    const v = p.filters?.[d];
    if (v && v.length > 0) q.set(d, v.join(','));
  }
  return `/transactions?${q}`;
}
