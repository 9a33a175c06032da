// Guards the custom range's inputs: they read and write the explorer's chosen zone's clock, not the browser's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromZoneInput, toZoneInput } from './zone-input.js';

// The "browser" is in New York: the chosen zones below differ from the process's own.
const processTz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'America/New_York';
});
afterAll(() => {
  if (processTz === undefined) delete process.env.TZ;
  else process.env.TZ = processTz;
});

describe('custom range inputs in the chosen zone', () => {
  it('runs in a process whose clock is not UTC (else the cases below prove nothing)', () => {
    expect(new Date(Date.UTC(2026, 2, 8)).getTimezoneOffset()).toBe(300);
  });

  it('UTC chosen: 2026-03-08 00:00 typed is UTC midnight, and shows as typed', () => {
    expect(fromZoneInput('2026-03-08T00:00', 'UTC')).toBe(Date.UTC(2026, 2, 8));
    expect(toZoneInput(Date.UTC(2026, 2, 8), 'UTC')).toBe('2026-03-08T00:00');
  });

  it('a shared URL zone (Asia/Kolkata, +05:30): its wall clock both ways', () => {
    const t = Date.UTC(2026, 2, 7, 18, 30);
    expect(fromZoneInput('2026-03-08T00:00', 'Asia/Kolkata')).toBe(t);
    expect(toZoneInput(t, 'Asia/Kolkata')).toBe('2026-03-08T00:00');
    expect(fromZoneInput('2026-03-08T00:00:30', 'Asia/Kolkata')).toBe(t + 30_000);
  });

  it('New York chosen across DST: the skipped hour reads as after the change, the repeated one as its first', () => {
    expect(fromZoneInput('2026-03-08T01:30', 'America/New_York')).toBe(Date.UTC(2026, 2, 8, 6, 30));
    expect(fromZoneInput('2026-03-08T03:30', 'America/New_York')).toBe(Date.UTC(2026, 2, 8, 7, 30));
    expect(fromZoneInput('2026-03-08T02:30', 'America/New_York')).toBe(Date.UTC(2026, 2, 8, 7, 30));
    expect(fromZoneInput('2026-11-01T01:30', 'America/New_York')).toBe(Date.UTC(2026, 10, 1, 5, 30));
    expect(toZoneInput(Date.UTC(2026, 10, 1, 6, 30), 'America/New_York')).toBe('2026-11-01T01:30');
    expect(fromZoneInput('2026-11-01T02:00', 'America/New_York')).toBe(Date.UTC(2026, 10, 1, 7));
  });

  it('an empty or partial input is NaN (the form sends nothing)', () => {
    expect(fromZoneInput('', 'UTC')).toBeNaN();
    expect(fromZoneInput('2026-03-08', 'UTC')).toBeNaN();
    expect(fromZoneInput('2026-13-08T00:00', 'UTC')).toBeNaN();
  });
});
