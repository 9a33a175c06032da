// Simulate-then-replay helpers shared by the holiday-week bench and its integration test: run
// the collector's `paywatch simulate` (a separate process: alerts never imports the collector)
// and replay one events file through several rule packs at once (parsed once, one engine each,
// exactly as `paywatch replay` feeds its engine).
import { spawnSync } from 'node:child_process';
import { existsSync, createReadStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { parse, stringify } from 'yaml';
import type { PaymentEvent } from '@paywatch/contracts';
import { parseAlertsConfig } from '../src/config/load.js';
import { DEFAULT_RULES_YAML } from '../src/config/default-rules.js';
import { createAlertEngine } from '../src/engine/engine.js';
import type { AlertTransition } from '../src/engine/engine.js';
import { normalizeReplayRecord } from '../src/input/normalize.js';
import { createMemoryAlertStateStore } from '../src/state/store.js';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'collector/bin/paywatch.mjs');

/** Runs `paywatch simulate --out FILE …args`; throws with its stderr when it fails. Returns wall ms. */
export function runSimulator(file: string, args: readonly string[]): number {
  if (!existsSync(bin))
    throw new Error(
      `${bin} is missing: the simulator (collector workspace) is needed (npm install at the root)`,
    );
  const t0 = Date.now();
  const sim = spawnSync(process.execPath, [bin, 'simulate', '--out', file, ...args], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (sim.status !== 0) throw new Error(`paywatch simulate failed (${sim.status}): ${sim.stderr}`);
  return Date.now() - t0;
}

/** A calendar event as the rules YAML takes it. */
export interface CalendarEntry {
  name: string;
  kind: 'holiday' | 'payday' | 'campaign' | 'other';
  dates: string[];
  widen: number;
  shift: number;
  utc_offset_minutes?: number;
  timezone?: string;
  match?: Record<string, string[]>;
}

/**
 * One public holiday kept by every market of the simulator, configured per market as an
 * operator would: each market's entry in its IANA zone (on 2026-03-05 these zones have the
 * simulator's fixed offsets: New York/Toronto −5, London 0, Berlin +1, Kuwait +3, Shanghai +8,
 * Tokyo +9, Brisbane +10) and scoped to its country's slices. Slices of rules that do not group
 * by country (`country: [""]`) get the entry of the market their provider serves: China's for
 * alipay/wechatpay/unionpay, and UTC for the providers whose traffic spans UTC−5 … UTC+10
 * (only when every market keeps the holiday).
 */
export function perMarketHoliday(
  date: string,
  widen: number,
  shift: number,
  /** Only these markets keep the holiday (default: all). */
  countries?: readonly string[],
): CalendarEntry[] {
  const markets: [string, string, string[]][] = [
    ['US/CA', 'America/New_York', ['US', 'CA']],
    ['GB', 'Europe/London', ['GB']],
    ['DE/FR/NL', 'Europe/Berlin', ['DE', 'FR', 'NL']],
    ['KW', 'Asia/Kuwait', ['KW']],
    ['CN', 'Asia/Shanghai', ['CN']],
    ['JP', 'Asia/Tokyo', ['JP']],
    ['AU', 'Australia/Brisbane', ['AU']],
  ];
  const entry = (name: string, extra: Partial<CalendarEntry>): CalendarEntry => ({
    name: `holiday ${name}`,
    kind: 'holiday',
    dates: [date],
    widen,
    shift,
    ...extra,
  });
  const keeps = (c: string) => countries === undefined || countries.includes(c);
  const out = markets
    .map(([name, timezone, all]): [string, string, string[]] => [name, timezone, all.filter(keeps)])
    .filter(([, , country]) => country.length > 0)
    .map(([name, timezone, country]) => entry(name, { timezone, match: { country } }));
  if (keeps('CN'))
    out.push(
      entry('CN providers, all countries', {
        timezone: 'Asia/Shanghai',
        match: { provider: ['alipay', 'wechatpay', 'unionpay'], country: [''] },
      }),
    );
  // Slices spanning markets get an entry only when the holiday is kept by all of them.
  if (countries === undefined)
    out.push(
      entry('cross-market providers, all countries', {
        utc_offset_minutes: 0,
        match: { provider: ['stripe', 'adyen', 'paypal', 'coinbase', 'bitpay'], country: [''] },
      }),
    );
  return out;
}

/**
 * The default rule pack's YAML with `events` appended to its calendar (and the calendar's UTC
 * offset set when given): the pack an operator gets by adding their holidays to it.
 */
export function defaultPackWithCalendar(events: readonly CalendarEntry[], utcOffsetMinutes?: number): string {
  const doc = parse(DEFAULT_RULES_YAML) as { calendar: { utc_offset_minutes?: number; events: unknown[] } };
  doc.calendar.events.push(...events);
  if (utcOffsetMinutes !== undefined) doc.calendar.utc_offset_minutes = utcOffsetMinutes;
  return stringify(doc);
}

/** Per pack: every transition, in order, and the engine's counters. */
export interface PackReplay {
  name: string;
  transitions: AlertTransition[];
  events: number;
  lateEvents: number;
}

/**
 * Replays an NDJSON(.gz) events file through each named rules YAML. Events are parsed and
 * normalized once and fed to every engine in the same batches `paywatch replay` uses.
 */
export async function replayPacks(
  file: string,
  packs: readonly { name: string; yaml: string }[],
): Promise<{ packs: PackReplay[]; elapsedMs: number; invalid: number }> {
  const t0 = Date.now();
  const runs = packs.map((p) => {
    const engine = createAlertEngine(
      { store: createMemoryAlertStateStore() },
      parseAlertsConfig(p.yaml, { source: p.name }),
    );
    const transitions: AlertTransition[] = [];
    engine.onTransition((t) => void transitions.push(t));
    return { name: p.name, engine, transitions };
  });
  const raw = createReadStream(file);
  const rl = createInterface({
    input: file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw,
    crlfDelay: Infinity,
  });
  let batch: PaymentEvent[] = [];
  let invalid = 0;
  const flush = (): void => {
    for (const r of runs) r.engine.onEvents(batch);
    batch = [];
  };
  for await (const line of rl) {
    if (!line.trim()) continue;
    const ev = normalizeReplayRecord(JSON.parse(line) as unknown, Date.now());
    if (typeof ev === 'string') {
      invalid++;
      continue;
    }
    batch.push(ev);
    if (batch.length >= 2000) flush();
  }
  if (batch.length) flush();
  for (const r of runs) r.engine.finish();
  return {
    packs: runs.map((r) => {
      const st = r.engine.stats();
      return { name: r.name, transitions: r.transitions, events: st.events, lateEvents: st.late_events };
    }),
    elapsedMs: Date.now() - t0,
    invalid,
  };
}

/** Firing transitions, as `at rule severity {labels}: summary` lines (for messages and reports). */
export function firingLines(transitions: readonly AlertTransition[]): string[] {
  return transitions
    .filter((t) => t.state === 'firing')
    .map((t) => {
      const labels = { ...t.labels };
      delete labels['alertname'];
      return `${new Date(t.at).toISOString()} ${t.rule} ${t.severity} ${JSON.stringify(labels)}: ${t.summary}`;
    });
}
