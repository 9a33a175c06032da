import { isZonedBucket } from '@paywatch/contracts';
import { snapToBucket, type Compare } from './trends-state.js';

const DAY = 86_400_000;

/**
 * How far back the comparison range lies. `previous`: the period just before (same length);
 * `week`: 7 days (same weekday last week); `year`: 52 weeks = 364 days, so weekdays line up
 * (Monday is compared with a Monday, which matters more for payments than the calendar date).
 */
export function compareOffset(kind: Exclude<Compare, 'none'>, from: number, to: number): number {
  switch (kind) {
    case 'previous':
      return to - from;
    case 'week':
      return 7 * DAY;
    case 'year':
      return 364 * DAY;
  }
}

/**
 * The range to query for the comparison and the offset to add to its timestamps to overlay them.
 * With day buckets in a zone (`zone`: bucket size and IANA name), a week or year back across a
 * DST change is an hour off local midnight: the range snaps to whole local days, so its first
 * bucket is whole too (the chart matches its buckets to the current ones within that hour).
 */
export function comparisonRange(
  kind: Exclude<Compare, 'none'>,
  from: number,
  to: number,
  zone?: { bucketMs: number; tz: string },
): { from: number; to: number; offset: number } {
  const offset = compareOffset(kind, from, to);
  if (zone && isZonedBucket(zone.bucketMs)) {
    const f = snapToBucket(from - offset, zone.bucketMs, zone.tz);
    return { from: f, to: snapToBucket(to - offset, zone.bucketMs, zone.tz), offset };
  }
  return { from: from - offset, to: to - offset, offset };
}
