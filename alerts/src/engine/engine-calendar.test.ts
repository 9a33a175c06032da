// Guards the business calendar through the engine: an entry scoped to China (its zone, `match: {country: [CN]}`) spares the CN slice on China's holiday and not the DE slice that goes quiet at the same time, also for series restored after a restart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAlertEngine } from './engine.js';
import type { AlertTransition } from './engine.js';
import { parseAlertsConfig } from '../config/load.js';
import { eventStream } from '../detect/synthetic.js';
import { createFileAlertStateStore, createMemoryAlertStateStore } from '../state/store.js';

// China's 2026-03-05 starts at 16:00 UTC on the 4th; three normal hours before it.
const T0 = Date.parse('2026-03-04T13:00:00Z');
const CN_MIDNIGHT = Date.parse('2026-03-04T16:00:00Z');

const withCountry = (evs: ReturnType<typeof eventStream>) =>
  evs.map((e) => ({ ...e, country: e.provider === 'alipay' ? 'CN' : 'DE' }));
const normal = withCountry(
  eventStream({ from: T0, minutes: 180, perMinute: 30, providers: ['alipay', 'adyen'] }),
);
// From China's midnight both slices run at 15 % of their volume for an hour.
const quiet = withCountry(
  eventStream({ from: CN_MIDNIGHT, minutes: 60, perMinute: 4.5, providers: ['alipay', 'adyen'], seed: 7 }),
);
const rulesYaml = `
rules:
  - name: quiet
    detector: { type: silence, window_minutes: 10, min_expected: 15 }
    group_by: [provider, country]
`;
const CN_SCOPED = `
calendar:
  events:
    - { name: CN holiday, dates: ["2026-03-05"], timezone: Asia/Shanghai, match: { country: [CN] }, shift: 0.15, widen: 2 }
`;

function run(calendarYaml: string): AlertTransition[] {
  const engine = createAlertEngine(
    { store: createMemoryAlertStateStore() },
    parseAlertsConfig(calendarYaml + rulesYaml),
  );
  const seen: AlertTransition[] = [];
  engine.onTransition((t) => void seen.push(t));
  engine.onEvents([...normal, ...quiet]);
  engine.finish();
  return seen.filter((t) => t.state === 'firing');
}

const dir = mkdtempSync(join(tmpdir(), 'pw-calendar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fired = (ts: AlertTransition[]) => [...new Set(ts.map((t) => t.labels['country']))].sort();

describe('business calendar in the engine', () => {
  it('a CN-scoped holiday spares CN slices only', () => {
    // Without a calendar both quiet slices warn.
    expect(fired(run(''))).toEqual(['CN', 'DE']);
    const scoped = run(CN_SCOPED);
    expect(fired(scoped)).toEqual(['DE']);
    expect(scoped.every((t) => t.at > CN_MIDNIGHT)).toBe(true);
  });

  it("the same entry in UTC starts 8 hours late: the CN slice warns in China's first hours", () => {
    const utc = run(`
calendar:
  events:
    - { name: CN holiday, dates: ["2026-03-05"], match: { country: [CN] }, shift: 0.15, widen: 2 }
`);
    expect(fired(utc)).toEqual(['CN', 'DE']);
  });

  it('an entry without match (as before) spares both', () => {
    const all = run(`
calendar:
  utc_offset_minutes: 480
  events:
    - { name: holiday, dates: ["2026-03-05"], shift: 0.15, widen: 2 }
`);
    expect(fired(all)).toEqual([]);
  });

  it('series restored after a restart keep their scope', async () => {
    const cfg = parseAlertsConfig(CN_SCOPED + rulesYaml);
    const path = join(dir, 'alerts-state.json');
    const wall = () => CN_MIDNIGHT;
    const a = createAlertEngine({ store: createFileAlertStateStore({ path }), now: wall }, cfg);
    await a.start();
    a.onEvents(normal);
    await a.stop();
    const b = createAlertEngine({ store: createFileAlertStateStore({ path }), now: wall }, cfg);
    const seen: AlertTransition[] = [];
    b.onTransition((t) => void seen.push(t));
    await b.start();
    expect(b.stats().restored_series).toBe(2);
    b.onEvents(quiet);
    b.finish();
    await b.stop();
    expect(fired(seen.filter((t) => t.state === 'firing'))).toEqual(['DE']);
  });
});
