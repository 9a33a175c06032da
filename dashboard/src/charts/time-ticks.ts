import { zoneOffsetMs } from '@paywatch/contracts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Tick intervals a reader counts in: minutes, hours, days, Monday-started weeks. */
const STEPS = [
  MIN,
  2 * MIN,
  5 * MIN,
  10 * MIN,
  15 * MIN,
  30 * MIN,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  14 * DAY,
];
/** The trend chart's time axis holds at most this many labels (≈ 90 px each at 800 px). */
export const MAX_TIME_TICKS = 8;

const mod = (a: number, b: number) => ((a % b) + b) % b;

/**
 * The bucket times to label on a time axis: those on the finest round interval (5 min, 1 h,
 * 6 h, a day, a week from Monday…) that gives at most `maxTicks` labels, round on the clock of
 * `timeZone` (the zone the labels are formatted in; a DST change or a +05:45 offset included).
 * `undefined` when every time fits, or when no round interval meets two of the times (the
 * chart then spaces labels itself). Labelling every Nth bucket instead gave 18:27, 18:46, …
 */
export function roundTimeTicks(
  times: readonly number[],
  timeZone: string,
  maxTicks = MAX_TIME_TICKS,
): number[] | undefined {
  const first = times[0];
  const last = times[times.length - 1];
  if (first === undefined || last === undefined || times.length <= maxTicks) return undefined;
  const local = (t: number) => t + zoneOffsetMs(t, timeZone);
  const locals = times.map(local);
  for (const step of STEPS) {
    if ((last - first) / step >= maxTicks) continue;
    // Weeks start on Monday (epoch day 4); shorter steps are multiples of local clock time.
    const on =
      step % (7 * DAY) === 0
        ? (l: number) => l % DAY === 0 && mod(l / DAY - 4, step / DAY) === 0
        : (l: number) => mod(l, step) === 0;
    const ticks = times.filter((_, i) => on(locals[i] as number));
    if (ticks.length >= 2 && ticks.length <= maxTicks) return ticks;
  }
  return undefined;
}
