// Guards the default pack on incidents below the provider level: a country outage spread over every provider pages once with its country; one issuer's BIN range failing 3-D Secure warns with its BIN while the providers stay quiet; a provider outage's country and issuer alerts name the provider (so its page inhibits them).
import { describe, expect, it } from 'vitest';
import type { FailureCategory, PaymentEvent } from '@paywatch/contracts';
import { createAlertEngine } from './engine.js';
import type { AlertEngine, AlertTransition } from './engine.js';
import { parseAlertsConfig } from '../config/load.js';
import { DEFAULT_RULES_YAML } from '../config/default-rules.js';
import { makeEvent, poisson, rng } from '../detect/synthetic.js';
import { inhibitedBy } from '../mute/inhibit.js';
import { createMemoryAlertStateStore } from '../state/store.js';

const T0 = Date.UTC(2026, 2, 2, 6, 0);
const MIN = 60_000;
const onset = T0 + 150 * MIN;
const end = onset + 20 * MIN;
const PROVIDERS = ['adyen', 'stripe'] as const;
/** Attempts a minute per provider and country; AU is the small market. */
const COUNTRIES: [string, number][] = [
  ['US', 60],
  ['DE', 40],
  ['AU', 10],
];
/** One DE bank's BIN (~14 attempts a minute over both providers); the other BINs are spread thin. */
const BANK_BIN = '418423';

type Incident = (e: {
  provider: string;
  country: string;
  bin: string;
  challenged: boolean;
}) => FailureCategory | null;

function traffic(incident: Incident): PaymentEvent[] {
  const r = rng(5);
  const out: PaymentEvent[] = [];
  let n = 0;
  for (let m = 0; m < 175; m++) {
    for (const provider of PROVIDERS)
      for (const [country, perMinute] of COUNTRIES) {
        const k = poisson(perMinute, r);
        for (let j = 0; j < k; j++) {
          const ts = T0 + m * MIN + Math.floor(r() * MIN);
          const bin =
            country === 'DE' && r() < 0.18
              ? BANK_BIN
              : String(400000 + Math.floor(r() * 40) + (country === 'DE' ? 100 : country === 'AU' ? 200 : 0));
          const challenged = r() < 0.3;
          let failure: FailureCategory | null =
            r() < 0.07 ? (r() < 0.6 ? 'do_not_honor' : 'insufficient_funds') : null;
          if (ts >= onset && ts < end) failure = incident({ provider, country, bin, challenged }) ?? failure;
          n++;
          out.push(
            makeEvent({
              ts,
              event_id: `evt_${n.toString(36)}`,
              provider,
              status: failure ? 'failed' : 'succeeded',
              failure: failure ? { category: failure, code: null, message: null } : null,
              amount_minor: 1000 + Math.floor(r() * 9000),
              country,
              customer_ref: `cus_${Math.floor(r() * 1e6)}`,
              device_ref: `dev_${Math.floor(r() * 1e6)}`,
              ip_ref: `ip_${Math.floor(r() * 1e6)}`,
              card: {
                brand: 'visa',
                bin,
                last4: '4242',
                issuer_country: country,
                funding: 'credit',
                wallet: null,
              },
            }),
          );
        }
      }
  }
  return out.sort((a, b) => a.ts - b.ts);
}

function replay(incident: Incident): { engine: AlertEngine; firing: AlertTransition[]; lines: string } {
  const engine = createAlertEngine(
    { store: createMemoryAlertStateStore() },
    parseAlertsConfig(DEFAULT_RULES_YAML),
  );
  const log: AlertTransition[] = [];
  engine.onTransition((t) => log.push(t));
  const events = traffic(incident);
  for (let i = 0; i < events.length; i += 2000) engine.onEvents(events.slice(i, i + 2000));
  engine.finish();
  const firing = log.filter((t) => t.state === 'firing');
  const lines = firing
    .map((t) => `${t.rule} ${JSON.stringify(t.labels)} @${(t.at - onset) / 1000}s`)
    .join('\n');
  return { engine, firing, lines };
}

const outage = (c: number): FailureCategory =>
  c < 0.5 ? 'issuer_unavailable' : c < 0.8 ? 'timeout' : 'network_error';

describe('default pack below the provider level', () => {
  it('a country outage over every provider pages once, with the country and no provider', () => {
    const r = rng(9);
    const { engine, firing, lines } = replay((e) => (e.country === 'AU' && r() < 0.85 ? outage(r()) : null));
    expect(
      firing.filter((t) => t.at <= onset),
      lines,
    ).toEqual([]);
    const pages = firing.filter((t) => t.severity === 'page');
    expect(
      pages.map((t) => `${t.rule} ${JSON.stringify(t.labels)}`),
      lines,
    ).toEqual(['country_success_rate_drop {"alertname":"country_success_rate_drop","country":"AU"}']);
    expect(pages[0]!.at - onset, lines).toBeLessThanOrEqual(2 * MIN);
    // Spread over both providers: no provider is named, so no provider page inhibits it.
    expect(engine.get(pages[0]!.id)?.finding_labels?.['provider']).toBeUndefined();
  });

  it("one bank's 3-D Secure outage warns on its BIN, and nothing pages", () => {
    const { firing, lines } = replay((e) =>
      e.bin === BANK_BIN && e.challenged ? 'authentication_failed' : null,
    );
    expect(
      firing.filter((t) => t.at <= onset),
      lines,
    ).toEqual([]);
    expect(
      firing.filter((t) => t.severity === 'page'),
      lines,
    ).toEqual([]);
    const hit = firing.find((t) => t.rule === 'issuer_success_rate_drop');
    expect(hit?.labels, lines).toEqual({
      alertname: 'issuer_success_rate_drop',
      issuer_country: 'DE',
      bin: BANK_BIN,
    });
    expect(hit!.at - onset, lines).toBeLessThanOrEqual(12 * MIN);
  });

  it("a provider outage's country and issuer alerts name the provider (its page inhibits them)", () => {
    const r = rng(3);
    const { engine, firing, lines } = replay((e) =>
      e.provider === 'stripe' && r() < 0.85 ? outage(r()) : null,
    );
    expect(
      firing.some((t) => t.rule === 'provider_success_rate_drop' && t.labels['provider'] === 'stripe'),
      lines,
    ).toBe(true);
    const below = firing.filter(
      (t) => t.rule === 'country_success_rate_drop' || t.rule === 'issuer_success_rate_drop',
    );
    expect(below.length, lines).toBeGreaterThan(0);
    for (const t of below)
      expect(engine.get(t.id)?.finding_labels?.['provider'], `${t.rule} ${JSON.stringify(t.labels)}`).toBe(
        'stripe',
      );
  });

  it("a country's page inhibits its provider × method slices, not another country's", () => {
    const rules = parseAlertsConfig(DEFAULT_RULES_YAML).inhibit_rules.map((r) => ({
      source: r.source_matchers,
      target: r.target_matchers,
      equal: r.equal,
    }));
    const country = { id: 'c', labels: { alertname: 'country_success_rate_drop', country: 'AU' } };
    const slice = (c: string) => ({
      id: `s${c}`,
      labels: { alertname: 'slice_success_rate_drop', provider: 'stripe', method: 'card', country: c },
    });
    expect(inhibitedBy(rules, slice('AU'), [country])?.id).toBe('c');
    expect(inhibitedBy(rules, slice('DE'), [country])).toBeNull();
  });
});
