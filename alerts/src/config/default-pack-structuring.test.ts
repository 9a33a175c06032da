// Guards the default pack's structuring alert: one customer's just-below-threshold payments stay one alert while the 24 h window holds them (value and samples updated by each further payment), not a new alert per payment after an hour.
import { describe, expect, it } from 'vitest';
import { parseAlertsConfig } from './load.js';
import { DEFAULT_RULES_YAML } from './default-rules.js';
import { createAlertEngine } from '../engine/engine.js';
import type { AlertTransition } from '../engine/engine.js';
import { makeEvent } from '../detect/synthetic.js';
import { createMemoryAlertStateStore } from '../state/store.js';

const T0 = Date.UTC(2026, 2, 2, 6, 0);
const MIN = 60_000;

describe('default pack: structuring', () => {
  it('EUR 9,600 / 9,400 / 9,800 / 9,550 75 minutes apart: one alert from the third, updated by the fourth', () => {
    const engine = createAlertEngine(
      { store: createMemoryAlertStateStore() },
      parseAlertsConfig(DEFAULT_RULES_YAML),
    );
    const log: AlertTransition[] = [];
    engine.onTransition((t) => log.push(t));
    // Event time moves on with other shoppers' payments (one every 5 minutes), as in traffic.
    const filler = (from: number, to: number) => {
      for (let t = from; t < to; t += 5 * MIN)
        engine.onEvents([
          makeEvent({ ts: t, event_id: `evt_f${t}`, amount_minor: 1000, customer_ref: `cus_${t}` }),
        ]);
    };
    [960_000, 940_000, 980_000, 955_000].forEach((amount_minor, i) => {
      filler(T0 + (i - 1) * 75 * MIN + MIN, T0 + i * 75 * MIN);
      engine.onEvents([
        makeEvent({
          ts: T0 + i * 75 * MIN,
          event_id: `evt_s${i}`,
          payment_id: `pay_s${i}`,
          amount_minor,
          currency: 'EUR',
          customer_ref: 'cus_struct_1',
          user_level: 'member',
        }),
      ]);
    });
    // Another 2 hours of event time pass.
    filler(T0 + 225 * MIN + MIN, T0 + 345 * MIN);
    engine.finish();
    const mine = log.filter((t) => t.rule === 'aml_structuring');
    expect(mine.map((t) => `${t.state}@${(t.at - T0) / MIN}`)).toEqual(['firing@150']);
    const alert = engine.get(mine[0]!.id);
    expect(alert?.status).toBe('firing');
    expect(alert?.message?.params).toMatchObject({ count: 4, total: 38_350 });
    expect(alert?.summary).toMatch(/made 4 transactions/);
    expect(alert?.samples.length).toBe(3);
  });
});
