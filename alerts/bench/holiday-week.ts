// Holiday-week bench: a simulated week of normal traffic (Mon 2026-03-02 → Mon 2026-03-09,
// 2 events/s, seed 5) with a public holiday in China on Thursday 2026-03-05 (0.4× volume,
// Sunday-shaped), replayed through the default rule pack with and without the holiday in its
// calendar. Records every firing, the pages, run times and load averages.
// Usage: npm run bench:alerts:holiday [-- --seed N --rate R]. Writes bench/results/alerts-holiday-week.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_RULES_YAML } from '../src/config/default-rules.js';
import { defaultPackWithCalendar, firingLines, replayPacks, runSimulator } from './sim-replay.js';

const { values } = parseArgs({
  options: { seed: { type: 'string', default: '5' }, rate: { type: 'string', default: '2' } },
});
const root = resolve(import.meta.dirname, '../..');
const FROM = '2026-03-02T00:00:00Z';
const TO = '2026-03-09T00:00:00Z';
const HOLIDAY = '2026-03-05';
const holidayStart = Date.parse(`${HOLIDAY}T00:00:00+08:00`);
const holidayEnd = holidayStart + 86_400_000;
const load = () => loadavg().map((l) => Number(l.toFixed(2)));

const dir = mkdtempSync(join(tmpdir(), 'pw-holiday-week-'));
try {
  const load0 = load();
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
    `${HOLIDAY}:0.4:CN`,
  ]);
  const run = await replayPacks(file, [
    {
      name: 'default pack + CN holiday in the calendar (UTC+8)',
      yaml: defaultPackWithCalendar(
        [{ name: 'CN public holiday', kind: 'holiday', dates: [HOLIDAY], widen: 2, shift: 0.4 }],
        480,
      ),
    },
    { name: 'default pack as shipped (no holiday in the calendar)', yaml: DEFAULT_RULES_YAML },
  ]);
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
      firings_on_holiday: firing.filter((t) => t.at >= holidayStart && t.at < holidayEnd).length,
      firing_lines: firingLines(firing),
    };
  });
  const result = {
    what: 'simulated week with a CN public holiday, default rule pack with/without the calendar entry',
    span: { from: FROM, to: TO },
    holiday: `${HOLIDAY}:0.4:CN`,
    seed: Number(values.seed),
    rate_events_per_s: Number(values.rate),
    simulate_s: simMs / 1000,
    replay_both_packs_s: run.elapsedMs / 1000,
    invalid_events: run.invalid,
    loadavg_start: load0,
    loadavg_end: load(),
    node: process.version,
    at: new Date().toISOString(),
    packs,
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const out = join(root, 'bench/results/alerts-holiday-week.json');
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  for (const p of packs)
    process.stdout.write(
      `${p.pack}: ${p.firings} firings (${p.firings_on_holiday} on the holiday), ${p.pages.length} pages\n` +
        `  ${JSON.stringify(p.firings_by_rule)}\n${p.pages.map((l) => `  PAGE ${l}\n`).join('')}`,
    );
  process.stdout.write(
    `simulate ${result.simulate_s} s, replay ${result.replay_both_packs_s} s (load ${load0.join(' ')}) → ${out}\n`,
  );
  process.exitCode = packs.some((p) => p.pages.length > 0) ? 1 : 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
