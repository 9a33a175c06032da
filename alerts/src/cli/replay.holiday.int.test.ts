// Guards the default rule pack on simulated normal traffic with a public holiday: no page at all; with the holiday in the business calendar not even a warning on it (without it, expected-silence warns); a holiday in every market configured per market (zone + match) stays quiet where one UTC entry warned.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  defaultPackWithCalendar,
  firingLines,
  perMarketHoliday,
  replayPacks,
} from '../../bench/sim-replay.js';
import { simulateToFile } from '../../test/simulate.js';
import { DEFAULT_RULES_YAML } from '../config/default-rules.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-holiday-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Monday 00:00 UTC to Friday 06:00 UTC; Thursday 2026-03-05 is a public holiday in China
// (0.4× volume, a Sunday-shaped day in China's local time), so the traffic mix moves too.
const FROM = '2026-03-02T00:00:00Z';
const TO = '2026-03-06T06:00:00Z';
const HOLIDAY = '2026-03-05';
const CN_OFFSET_MIN = 8 * 60;
const holidayStart = Date.parse(`${HOLIDAY}T00:00:00+08:00`);
const holidayEnd = holidayStart + 86_400_000;

describe('default rule pack on a simulated holiday (China, 2026-03-05)', () => {
  it('pages nowhere; with the holiday in the calendar nothing fires on it, without it expected-silence warns', async () => {
    const file = join(dir, 'events.ndjson.gz');
    const simMs = simulateToFile(file, {
      from: Date.parse(FROM),
      to: Date.parse(TO),
      rate: 2,
      seed: 5,
      holidays: [`${HOLIDAY}:0.4:CN`],
    });
    const run = await replayPacks(file, [
      {
        name: 'calendar',
        yaml: defaultPackWithCalendar(
          [{ name: 'CN public holiday', kind: 'holiday', dates: [HOLIDAY], widen: 2, shift: 0.4 }],
          CN_OFFSET_MIN,
        ),
      },
      { name: 'no-calendar', yaml: DEFAULT_RULES_YAML },
    ]);
    process.stdout.write(
      `holiday replay: simulate ${(simMs / 1000).toFixed(1)} s, replay (both packs) ${(run.elapsedMs / 1000).toFixed(1)} s, ${run.packs[0]?.events} events\n`,
    );
    expect(run.invalid).toBe(0);
    const [withCal, noCal] = run.packs;
    if (!withCal || !noCal) throw new Error('two packs expected');
    for (const p of run.packs)
      process.stdout.write(`${p.name}:\n  ${firingLines(p.transitions).join('\n  ')}\n`);

    // No page, whatever the calendar says (pages are rate- and ratio-based: volume alone never pages).
    for (const p of run.packs) {
      const pages = p.transitions.filter((t) => t.state === 'firing' && t.severity === 'page');
      expect(firingLines(pages), `${p.name}: pages on normal traffic`).toEqual([]);
    }
    const onHoliday = (ts: typeof withCal.transitions) =>
      ts.filter((t) => t.state === 'firing' && t.at >= holidayStart && t.at < holidayEnd);
    // With the calendar: nothing at all fires on the holiday.
    expect(firingLines(onHoliday(withCal.transitions))).toEqual([]);
    // Without it: the Chinese wallets' quiet day reads as silence (a warning, not a page).
    const silences = onHoliday(noCal.transitions).filter((t) => t.rule === 'expected_silence');
    expect(silences.length).toBeGreaterThan(0);
    expect(
      silences.every((t) => ['alipay', 'wechatpay', 'unionpay'].includes(t.labels['provider'] ?? '')),
    ).toBe(true);
  }, 300_000);

  it('a holiday in every market: per-market entries (zone + match) raise no warning on it, one UTC entry does', async () => {
    const file = join(dir, 'events-all-markets.ndjson.gz');
    const simMs = simulateToFile(file, {
      from: Date.parse(FROM),
      to: Date.parse(TO),
      rate: 2,
      seed: 5,
      holidays: [`${HOLIDAY}:0.4`],
    });
    const run = await replayPacks(file, [
      {
        name: 'one UTC entry',
        yaml: defaultPackWithCalendar(
          [{ name: 'public holiday', kind: 'holiday', dates: [HOLIDAY], widen: 2, shift: 0.4 }],
          0,
        ),
      },
      { name: 'per market', yaml: defaultPackWithCalendar(perMarketHoliday(HOLIDAY, 2, 0.4)) },
    ]);
    process.stdout.write(
      `all-markets holiday replay: simulate ${(simMs / 1000).toFixed(1)} s, replay (both packs) ${(run.elapsedMs / 1000).toFixed(1)} s\n`,
    );
    expect(run.invalid).toBe(0);
    const [utc, perMarket] = run.packs;
    if (!utc || !perMarket) throw new Error('two packs expected');
    for (const p of run.packs)
      process.stdout.write(`${p.name}:\n  ${firingLines(p.transitions).join('\n  ')}\n`);
    // The holiday in local time somewhere: from Brisbane's midnight (UTC+10) to New York's (UTC−5).
    const from = Date.parse(`${HOLIDAY}T00:00:00+10:00`);
    const to = Date.parse(`${HOLIDAY}T00:00:00-05:00`) + 86_400_000;
    const onHoliday = (p: typeof utc) =>
      p.transitions.filter((t) => t.state === 'firing' && t.at >= from && t.at < to);
    for (const p of run.packs) {
      const pages = p.transitions.filter((t) => t.state === 'firing' && t.severity === 'page');
      expect(firingLines(pages), `${p.name}: pages on normal traffic`).toEqual([]);
    }
    // One UTC day misses China's morning (its local day starts at 16:00 UTC the day before).
    const utcSilences = onHoliday(utc).filter((t) => t.rule === 'expected_silence');
    process.stdout.write(`one UTC entry: ${utcSilences.length} expected-silence warnings on the holiday\n`);
    expect(utcSilences.length).toBeGreaterThan(0);
    // Per market, each in its own zone: nothing fires on the holiday anywhere.
    expect(firingLines(onHoliday(perMarket))).toEqual([]);
  }, 300_000);
});
