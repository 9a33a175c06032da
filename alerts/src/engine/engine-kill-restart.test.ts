// Guards a restart after kill -9: the detector snapshot (written every 5 min) is older than the alert state (every second), and the minutes it still holds open must not be judged again over the newer state — they re-fired a resolved outage (a page for a finished incident) and moved a firing alert's start back (escalated at once).
import { describe, expect, it } from 'vitest';
import { createAlertEngine } from './engine.js';
import type { AlertTransition } from './engine.js';
import { parseAlertsConfig } from '../config/load.js';
import { eventStream } from '../detect/synthetic.js';
import { createMemoryAlertStateStore } from '../state/store.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 2, 8, 0);
const cfg = parseAlertsConfig(`
rules:
  - name: provider_down
    detector: { type: threshold, metric: success_rate, op: below, threshold: 0.5, window_minutes: 1, min_attempts: 5 }
    group_by: [provider]
    severity: page
    keep_firing_for: 1m
route: { receiver: none }
receivers: [{ name: none, channels: [] }]
`);
const events = eventStream({
  from: T0,
  minutes: 60,
  perMinute: 40,
  providers: ['adyen', 'stripe'],
  successRate: (t, p) => (p === 'stripe' && t >= T0 + 30 * MIN && t < T0 + 35 * MIN ? 0.05 : 0.92),
  seed: 7,
});
const between = (from: number, to: number) =>
  events.filter((e) => e.ts >= T0 + from * MIN && e.ts < T0 + to * MIN);

describe('engine restart after kill -9', () => {
  it('does not judge again the minutes of a stale detector snapshot: a resolved outage stays resolved', async () => {
    const store = createMemoryAlertStateStore();
    const a = createAlertEngine({ store }, cfg);
    await a.start();
    a.onEvents(between(0, 33)); // stripe failing since minute 30
    await a.stop();
    const staleSnapshot = await store.loadDetectors();

    const b = createAlertEngine({ store }, cfg);
    const seen: AlertTransition[] = [];
    b.onTransition((t) => seen.push(t));
    await b.start();
    b.onEvents(between(33, 45)); // recovered at 35: resolved
    await b.stop();
    expect(seen.filter((t) => t.labels['provider'] === 'stripe').map((t) => t.state)).toContain('resolved');
    // kill -9: the alert state was saved up to the end, the detectors' last snapshot is older.
    await store.saveDetectors(staleSnapshot);

    const c = createAlertEngine({ store }, cfg);
    const after: AlertTransition[] = [];
    c.onTransition((t) => after.push(t));
    await c.start();
    c.onEvents(between(45, 60));
    c.finish();
    expect(after.filter((t) => t.labels['provider'] === 'stripe')).toEqual([]);
    expect(c.list({ rule: 'provider_down' }).map((s) => [s.labels['provider'], s.status])).toEqual([
      ['stripe', 'resolved'],
    ]);
  });
});
