import { zoneOffsetMs } from '@paywatch/contracts';

// The custom range's `datetime-local` inputs hold a wall-clock time with no zone. The explorer
// shows every time in its chosen zone (the browser's, UTC, or one a shared URL names), so the
// inputs read and write that zone's clock, not the browser's (`new Date(value)`): an analyst who
// chose UTC and types 2026-03-08 00:00 means 00:00 UTC.

const DAY_MS = 86_400_000;
const INPUT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?$/;

/** A `datetime-local` value (`YYYY-MM-DDTHH:mm`): `t` on the wall clock of `zone`. */
export function toZoneInput(t: number, zone: string): string {
  return new Date(t + zoneOffsetMs(t, zone)).toISOString().slice(0, 16);
}

/**
 * The instant a `datetime-local` value names on the wall clock of `zone`; NaN when unreadable.
 * Like browsers (and Temporal's `compatible`): a time a DST change skips (02:30 on a
 * spring-forward night) is read with the offset before it (03:30 after the change), a time it
 * repeats as its first occurrence.
 */
export function fromZoneInput(v: string, zone: string): number {
  if (!INPUT.test(v)) return NaN;
  const wall = Date.parse(`${v}Z`);
  if (!Number.isFinite(wall)) return NaN;
  const before = wall - zoneOffsetMs(wall - DAY_MS, zone);
  const after = wall - zoneOffsetMs(wall + DAY_MS, zone);
  const fits = (t: number) => t + zoneOffsetMs(t, zone) === wall;
  return fits(before) || !fits(after) ? before : after;
}
