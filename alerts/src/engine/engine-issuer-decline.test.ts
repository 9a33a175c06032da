// Guards that an issuer declining its genuine customers' small payments (the ordinary spread of customers, devices, IPs and cards) is not taken for card testing: it is not claimed away from the rate rules, and the provider's success rate pages it, naming the issuer's BINs.
import { describe, expect, it } from 'vitest';
import type { FailureCategory, PaymentEvent } from '@paywatch/contracts';
import { createAlertEngine } from './engine.js';
import type { AlertEngine, AlertTransition } from './engine.js';
import { parseAlertsConfig } from '../config/load.js';
import { DEFAULT_RULES_YAML } from '../config/default-rules.js';
import { eventStream, makeEvent, rng } from '../detect/synthetic.js';
import { createMemoryAlertStateStore } from '../state/store.js';

const T0 = Date.UTC(2026, 2, 2, 8, 0);
const MIN = 60_000;
const onset = T0 + 150 * MIN;
const end = T0 + 200 * MIN;
const ISSUER_BINS = ['535110', '535111'];
/** The issuer's decline reasons during the incident (do_not_honor twice as often). */
const ISSUER_REASONS: FailureCategory[] = [
  'do_not_honor',
  'do_not_honor',
  'insufficient_funds',
  'fraud_suspected',
];

/**
 * A transit merchant's fares on stripe: 40 small payments a minute (1.20–4.80 EUR), each rider
 * with their own card, device and IP out of 20 000 riders; a declined fare is retried once in
 * a third of the cases with the same card. From `onset`, the riders' issuer (two BINs, issuer
 * country NL) declines 85 % of them with issuer reasons.
 */
function transitFares(): PaymentEvent[] {
  const r = rng(21);
  const out: PaymentEvent[] = [];
  let n = 0;
  for (let m = 0; m < 200; m++) {
    for (let j = 0; j < 40; j++) {
      const ts = T0 + m * MIN + Math.floor(r() * MIN);
      const rider = Math.floor(r() * 20_000);
      const down = ts >= onset;
      const tries = 1 + (r() < 1 / 3 ? 1 : 0);
      for (let a = 0; a < tries; a++) {
        const ok = r() < (down ? 0.15 : 0.95);
        const category: FailureCategory = down
          ? (ISSUER_REASONS[Math.floor(r() * ISSUER_REASONS.length)] ?? 'do_not_honor')
          : 'insufficient_funds';
        n++;
        out.push(
          makeEvent({
            ts: ts + a * 4000,
            event_id: `evt_fare${n}`,
            payment_id: `pay_fare${n - a}`,
            attempt: a + 1,
            provider: 'stripe',
            merchant_id: 'm_transit',
            status: ok ? 'succeeded' : 'failed',
            failure: ok ? null : { category, code: '05', message: null },
            amount_minor: 120 + Math.floor(r() * 360),
            country: 'NL',
            customer_ref: `cus_rider${rider}`,
            device_ref: `dev_rider${rider}`,
            ip_ref: `ip_rider${rider}`,
            card: {
              brand: 'mastercard',
              bin: ISSUER_BINS[rider % 2] ?? '535110',
              last4: String(rider % 10_000).padStart(4, '0'),
              issuer_country: 'NL',
              funding: 'debit',
              wallet: null,
            },
          }),
        );
        if (ok) break;
      }
    }
  }
  return out;
}

function replay(): { engine: AlertEngine; log: AlertTransition[] } {
  const normal = eventStream({ from: T0, minutes: 200, perMinute: 120, providers: ['adyen', 'stripe'] });
  const engine = createAlertEngine(
    { store: createMemoryAlertStateStore() },
    parseAlertsConfig(DEFAULT_RULES_YAML),
  );
  const log: AlertTransition[] = [];
  engine.onTransition((t) => log.push(t));
  const sorted = [...normal, ...transitFares()].sort((a, b) => a.ts - b.ts);
  for (let i = 0; i < sorted.length; i += 1000) engine.onEvents(sorted.slice(i, i + 1000));
  engine.finish();
  return { engine, log };
}

describe('alert engine: an issuer declining genuine small payments', () => {
  it('is not card testing: nothing is claimed, and the provider success rate pages within 2 min naming the BINs', () => {
    const { engine, log } = replay();
    const firing = log.filter((t) => t.state === 'firing');
    const lines = firing.map((t) => `${t.rule} ${JSON.stringify(t.labels)} @${(t.at - onset) / 1000}s`);
    expect(
      firing.filter((t) => t.rule === 'card_testing'),
      lines.join('\n'),
    ).toEqual([]);
    expect(engine.stats().excluded_events).toBe(0);
    expect(
      firing.filter((t) => t.at <= onset),
      lines.join('\n'),
    ).toEqual([]);

    const page = firing.find(
      (t) => t.rule === 'provider_success_rate_drop' && t.labels['provider'] === 'stripe',
    );
    expect(page, lines.join('\n')).toBeDefined();
    expect(page!.severity).toBe('page');
    expect(page!.at - onset).toBeLessThanOrEqual(2 * MIN);
    // …and keeps paging while the issuer declines (the fares are not claimed away from the rate).
    const resolved = log.find((t) => t.id === page!.id && t.state === 'resolved');
    expect(resolved?.at ?? Infinity).toBeGreaterThanOrEqual(end);
    // The page's top contributing dimensions name the issuer's BINs (excess failures).
    const alert = engine.get(page!.id);
    const keys = (alert?.contributors ?? []).map((c) => c.key);
    expect(
      keys.filter((k) => ISSUER_BINS.some((b) => k === `bin=${b}`)),
      keys.join(', '),
    ).not.toEqual([]);
  });
});
