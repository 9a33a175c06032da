// Guards the default pack's country page folding the alerts of the same incident: with a country down, the issuing-country × BIN warnings of that country and the page of a provider serving mostly that market name it (finding label country) and the pack's inhibit rules mute them under the country's page; another country's BIN warning is not muted, and a provider's own outage keeps its page (the country's alert names the provider); the folded provider page ends no later than the country's (its inhibit rule, hold_consequences: false, mutes only while that fires).
import { describe, expect, it } from 'vitest';
import type { PaymentEvent } from '@paywatch/contracts';
import { parseAlertsConfig } from './load.js';
import { DEFAULT_RULES_YAML } from './default-rules.js';
import { createAlertEngine } from '../engine/engine.js';
import type { AlertTransition } from '../engine/engine.js';
import { makeEvent, poisson, rng } from '../detect/synthetic.js';
import { inhibitRuleOf, inhibitedBy } from '../mute/inhibit.js';
import { createMemoryAlertStateStore } from '../state/store.js';

const T0 = Date.UTC(2026, 2, 2, 6, 0);
const MIN = 60_000;
const onset = T0 + 150 * MIN;
const end = onset + 15 * MIN;
/** Attempts a minute per provider (adyen, stripe); AU the small market. Cards: 10 % used abroad. */
const COUNTRIES: [string, number][] = [
  ['US', 60],
  ['DE', 40],
  ['AU', 12],
];
/** paypal: mostly an AU provider. */
const PAYPAL: [string, number][] = [
  ['US', 4],
  ['DE', 4],
  ['AU', 40],
];

/**
 * From `onset` for 15 minutes, 85 % of the attempts `down` picks fail, whatever their card
 * (default: AU's shoppers, on every provider).
 */
function traffic(
  down: (provider: string, country: string) => boolean = (_p, c) => c === 'AU',
): PaymentEvent[] {
  const r = rng(21);
  const out: PaymentEvent[] = [];
  let n = 0;
  for (let m = 0; m < 170; m++)
    for (const provider of ['adyen', 'stripe', 'paypal'] as const)
      for (const [country, perMinute] of provider === 'paypal' ? PAYPAL : COUNTRIES) {
        const k = poisson(perMinute, r);
        for (let j = 0; j < k; j++) {
          const ts = T0 + m * MIN + Math.floor(r() * MIN);
          const issuer = r() < 0.9 ? country : (COUNTRIES[Math.floor(r() * 3)]?.[0] ?? 'US');
          // Few BINs per issuing country, so each is judged on its own.
          const bin = String(
            400000 + (issuer === 'AU' ? 200 : issuer === 'DE' ? 100 : 0) + Math.floor(r() * 2),
          );
          const isDown = down(provider, country) && ts >= onset && ts < end && r() < 0.85;
          const failed = isDown || r() < 0.07;
          n++;
          out.push(
            makeEvent({
              ts,
              event_id: `evt_${n.toString(36)}`,
              provider,
              country,
              status: failed ? 'failed' : 'succeeded',
              failure: failed
                ? { category: isDown ? 'issuer_unavailable' : 'do_not_honor', code: null, message: null }
                : null,
              customer_ref: `cus_${n}`,
              card: {
                brand: 'visa',
                bin,
                last4: '4242',
                issuer_country: issuer,
                funding: 'credit',
                wallet: null,
              },
            }),
          );
        }
      }
  return out.sort((a, b) => a.ts - b.ts);
}

const config = parseAlertsConfig(DEFAULT_RULES_YAML);
const rules = config.inhibit_rules.map(inhibitRuleOf);

/** Replays `events` through the default pack: the alerts that fired after the onset, and what routing sees of them. */
function replay(events: PaymentEvent[]) {
  const engine = createAlertEngine({ store: createMemoryAlertStateStore() }, config);
  const log: AlertTransition[] = [];
  engine.onTransition((t) => log.push(t));
  for (let i = 0; i < events.length; i += 2000) engine.onEvents(events.slice(i, i + 2000));
  engine.finish();
  const firing = log.filter((t) => t.state === 'firing' && t.at > onset);
  const lines = firing
    .map((t) => `${t.rule} ${JSON.stringify(t.labels)} @${(t.at - onset) / MIN}m`)
    .join('\n');
  // Routing and muting see the finding labels under the slice's own.
  const routed = (t: AlertTransition) => ({
    id: t.id,
    labels: { ...engine.get(t.id)?.finding_labels, ...t.labels },
  });
  const find = (rule: string, label: string, value: string) =>
    firing.filter((t) => t.rule === rule && t.labels[label] === value);
  return { engine, lines, routed, find };
}

describe('default pack: a country page folds the alerts of its incident', () => {
  it('AU down: the AU BIN warnings and the page of paypal (mostly AU) name AU and are inhibited by the AU page', () => {
    const { engine, lines, routed, find } = replay(traffic());
    const page = find('country_success_rate_drop', 'country', 'AU')[0];
    expect(page, lines).toBeDefined();
    const issuers = find('issuer_success_rate_drop', 'issuer_country', 'AU');
    expect(issuers.length, lines).toBeGreaterThan(0);
    for (const t of issuers) {
      expect(engine.get(t.id)?.finding_labels?.['country'], JSON.stringify(t.labels)).toBe('AU');
      expect(inhibitedBy(rules, routed(t), [routed(page!)])?.id, JSON.stringify(t.labels)).toBe(page!.id);
    }
    // A BIN warning of another country is not folded under the AU page.
    const de = {
      id: 'de',
      labels: { alertname: 'issuer_success_rate_drop', issuer_country: 'DE', bin: '400100', country: 'DE' },
    };
    expect(inhibitedBy(rules, de, [routed(page!)])).toBeNull();
    // paypal's rate drops with its AU traffic: its page names AU and folds under AU's.
    const paypal = find('provider_success_rate_drop', 'provider', 'paypal')[0];
    expect(paypal, lines).toBeDefined();
    expect(engine.get(paypal!.id)?.finding_labels?.['country']).toBe('AU');
    expect(inhibitedBy(rules, routed(paypal!), [routed(page!)])?.id).toBe(page!.id);
    // The pack's country → provider rule mutes only while the country's page fires
    // (hold_consequences: false): paypal's page, the incident's tail, must end no later than AU's,
    // or it is paged after AU's RESOLVED.
    const ended = (id: string) => engine.get(id)?.resolved_at ?? Infinity;
    expect(ended(paypal!.id), lines).toBeLessThanOrEqual(ended(page!.id));
  });

  it("paypal's own outage: the AU alert names paypal, and paypal's page is not inhibited by it", () => {
    const { engine, lines, routed, find } = replay(traffic((p) => p === 'paypal'));
    const paypal = find('provider_success_rate_drop', 'provider', 'paypal')[0];
    expect(paypal, lines).toBeDefined();
    const au = find('country_success_rate_drop', 'country', 'AU');
    expect(au.length, lines).toBeGreaterThan(0);
    for (const t of au) expect(engine.get(t.id)?.finding_labels?.['provider'], lines).toBe('paypal');
    expect(inhibitedBy(rules, routed(paypal!), au.map(routed)), lines).toBeNull();
  });
});
