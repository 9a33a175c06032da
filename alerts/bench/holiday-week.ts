// Holiday-week bench: a simulated week of normal traffic (Mon 2026-03-02 → Mon 2026-03-09,
// 2 events/s, seed 5) with a public holiday on Thursday 2026-03-05 (0.4× volume, Sunday-shaped
// in each observing market's local time), replayed through the default rule pack with several
// calendars. Two scenarios: the holiday in China only (calendar: one entry in UTC+8 for every
// slice; the same scoped to China's slices; none) and the holiday in every market (one entry in
// UTC; one entry per market in its zone, scoped by `match`; none). Records every firing, the
// pages, run times and load averages.
// Usage: npm run bench:alerts:holiday [-- --seed N --rate R]. Writes bench/results/alerts-holiday-week.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_RULES_YAML } from '../src/config/default-rules.js';
import {
  defaultPackWithCalendar,
  firingLines,
  perMarketHoliday,
  replayPacks,
  runSimulator,
} from './sim-replay.js';

const { values } = parseArgs({
  options: { seed: { type: 'string', default: '5' }, rate: { type: 'string', default: '2' } },
});
const root = resolve(import.meta.dirname, '../..');
const FROM = '2026-03-02T00:00:00Z';
const TO = '2026-03-09T00:00:00Z';
const HOLIDAY = '2026-03-05';
const DAY_MS = 86_400_000;
const load = () => loadavg().map((l) => Number(l.toFixed(2)));

interface Scenario {
  name: string;
  /** `--holiday` spec. */
  holiday: string;
  /** Event time in which some market keeps the holiday. */
  window: [number, number];
  packs: { name: string; yaml: string }[];
}

const scenarios: Scenario[] = [
  {
    name: 'holiday in China only',
    holiday: `${HOLIDAY}:0.4:CN`,
    window: [Date.parse(`${HOLIDAY}T00:00:00+08:00`), Date.parse(`${HOLIDAY}T00:00:00+08:00`) + DAY_MS],
    packs: [
      {
        name: 'default pack + CN holiday in the calendar (UTC+8, every slice)',
        yaml: defaultPackWithCalendar(
          [{ name: 'CN public holiday', kind: 'holiday', dates: [HOLIDAY], widen: 2, shift: 0.4 }],
          480,
        ),
      },
      {
        name: 'default pack + CN holiday scoped to CN slices (Asia/Shanghai, match)',
        yaml: defaultPackWithCalendar(perMarketHoliday(HOLIDAY, 2, 0.4, ['CN'])),
      },
      { name: 'default pack as shipped (no holiday in the calendar)', yaml: DEFAULT_RULES_YAML },
    ],
  },
  {
    name: 'holiday in every market (UTC−5 … UTC+10)',
    holiday: `${HOLIDAY}:0.4`,
    window: [Date.parse(`${HOLIDAY}T00:00:00+10:00`), Date.parse(`${HOLIDAY}T00:00:00-05:00`) + DAY_MS],
    packs: [
      {
        name: 'default pack + the holiday as one calendar entry (UTC, every slice)',
        yaml: defaultPackWithCalendar(
          [{ name: 'public holiday', kind: 'holiday', dates: [HOLIDAY], widen: 2, shift: 0.4 }],
          0,
        ),
      },
      {
        name: 'default pack + the holiday per market (each market’s zone, match)',
        yaml: defaultPackWithCalendar(perMarketHoliday(HOLIDAY, 2, 0.4)),
      },
      { name: 'default pack as shipped (no holiday in the calendar)', yaml: DEFAULT_RULES_YAML },
    ],
  },
];

const dir = mkdtempSync(join(tmpdir(), 'pw-holiday-week-'));
try {
  const load0 = load();
  const results = [];
  for (const sc of scenarios) {
    const loadStart = load();
    const file = join(dir, 'events.ndjson.gz');
    const simMs = runSimulator(file, [
      '--from',
      FROM,
      '--to',
      TO,
      '--rate',
      values.rate,
      '--seed',
      values.seed,
      '--holiday',
      sc.holiday,
    ]);
    const run = await replayPacks(file, sc.packs);
    const [from, to] = sc.window;
    const packs = run.packs.map((p) => {
      const firing = p.transitions.filter((t) => t.state === 'firing');
      const byRule: Record<string, number> = {};
      for (const t of firing)
        byRule[`${t.rule} (${t.severity})`] = (byRule[`${t.rule} (${t.severity})`] ?? 0) + 1;
      return {
        pack: p.name,
        events: p.events,
        late_events: p.lateEvents,
        firings: firing.length,
        pages: firingLines(firing.filter((t) => t.severity === 'page')),
        firings_by_rule: byRule,
        firings_on_holiday: firing.filter((t) => t.at >= from && t.at < to).length,
        firing_lines: firingLines(firing),
      };
    });
    results.push({
      scenario: sc.name,
      holiday: sc.holiday,
      holiday_window: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
      simulate_s: simMs / 1000,
      replay_all_packs_s: run.elapsedMs / 1000,
      invalid_events: run.invalid,
      loadavg_start: loadStart,
      loadavg_end: load(),
      packs,
    });
    rmSync(file, { force: true });
  }
  const result = {
    what: 'simulated week with a public holiday (China only; every market), default rule pack with several calendars',
    span: { from: FROM, to: TO },
    seed: Number(values.seed),
    rate_events_per_s: Number(values.rate),
    loadavg_start: load0,
    loadavg_end: load(),
    node: process.version,
    at: new Date().toISOString(),
    scenarios: results,
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const out = join(root, 'bench/results/alerts-holiday-week.json');
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  for (const sc of results) {
    process.stdout.write(
      `== ${sc.scenario} (${sc.holiday}): simulate ${sc.simulate_s} s, replay ${sc.replay_all_packs_s} s, load ${sc.loadavg_start.join(' ')} → ${sc.loadavg_end.join(' ')}\n`,
    );
    for (const p of sc.packs)
      process.stdout.write(
        `${p.pack}: ${p.firings} firings (${p.firings_on_holiday} on the holiday), ${p.pages.length} pages\n` +
          `  ${JSON.stringify(p.firings_by_rule)}\n${p.pages.map((l) => `  PAGE ${l}\n`).join('')}`,
      );
  }
  process.stdout.write(`→ ${out}\n`);
  process.exitCode = results.some((sc) => sc.packs.some((p) => p.pages.length > 0)) ? 1 : 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
