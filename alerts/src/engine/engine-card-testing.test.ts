// Guards one incident = one page in the engine with the default rule pack: a card-testing burst's attempts are left out of the series rules (only card testing fires, not the provider's success rate or the decline mix), while a real outage during a burst still pages the provider.
import { describe, expect, it } from 'vitest';
import type { PaymentEvent } from '@paywatch/contracts';
import { createAlertEngine } from './engine.js';
import type { AlertTransition } from './engine.js';
import { parseAlertsConfig } from '../config/load.js';
import { DEFAULT_RULES_YAML } from '../config/default-rules.js';
import { eventStream, makeEvent, rng } from '../detect/synthetic.js';
import { createMemoryAlertStateStore } from '../state/store.js';

const T0 = Date.UTC(2026, 2, 2, 8, 0);
const MIN = 60_000;
const onset = T0 + 150 * MIN;
const burstEnd = onset + 10 * MIN;

/** A card-testing burst on stripe: 80 small attempts a minute on one BIN, device and IP, ~90% declined. */
function burst(outageAt: number | null = null): PaymentEvent[] {
  const r = rng(3);
  const out: PaymentEvent[] = [];
  for (let i = 0; i < 800; i++) {
    const ts = onset + Math.floor((i / 800) * (burstEnd - onset));
    // During a provider outage the provider fails the burst's attempts too (a technical failure).
    const down = outageAt !== null && ts >= outageAt;
    const ok = r() < 0.1 && !down;
    const category = r() < 0.6 ? 'invalid_card_data' : 'card_expired';
    out.push(
      makeEvent({
        ts,
        event_id: `evt_ct${i}`,
        provider: 'stripe',
        status: ok ? 'succeeded' : 'failed',
        failure: ok ? null : { category: down ? 'provider_error' : category, code: null, message: null },
        amount_minor: 100,
        customer_ref: `cus_guest${i}`,
        device_ref: 'dev_attacker',
        ip_ref: 'ip_attacker',
        card: {
          brand: 'visa',
          bin: '453201',
          last4: String(1000 + i).slice(-4),
          issuer_country: 'US',
          funding: 'prepaid',
          wallet: null,
        },
      }),
    );
  }
  return out;
}

/** Replays normal traffic on adyen and stripe plus a burst (and, with `outageAt`, a stripe outage from then on). */
function replay(outageAt: number | null): { log: AlertTransition[]; excluded: number } {
  const normal = eventStream({
    from: T0,
    minutes: 200,
    perMinute: 120,
    providers: ['adyen', 'stripe'],
    successRate: (t, p) => (outageAt !== null && p === 'stripe' && t >= outageAt ? 0.3 : 0.92),
    failure: (t, p) =>
      outageAt !== null && p === 'stripe' && t >= outageAt
        ? 'provider_error'
        : t % 5 < 3
          ? 'do_not_honor'
          : 'insufficient_funds',
  });
  return run([...normal, ...burst()]);
}

/** Feeds `events` (sorted here) to a fresh engine with the default pack, 1000 at a time, then finishes it. */
function run(events: PaymentEvent[]): { log: AlertTransition[]; excluded: number } {
  const engine = createAlertEngine(
    { store: createMemoryAlertStateStore() },
    parseAlertsConfig(DEFAULT_RULES_YAML),
  );
  const log: AlertTransition[] = [];
  engine.onTransition((t) => log.push(t));
  const sorted = [...events].sort((a, b) => a.ts - b.ts);
  for (let i = 0; i < sorted.length; i += 1000) engine.onEvents(sorted.slice(i, i + 1000));
  engine.finish();
  return { log, excluded: engine.stats().excluded_events };
}

const firing = (log: AlertTransition[]) =>
  log.filter((t) => t.state === 'firing').map((t) => `${t.rule} ${JSON.stringify(t.labels)}`);

describe('alert engine: card-testing bursts', () => {
  it('a burst alone fires card testing only; its attempts are left out of the series rules', () => {
    const { log, excluded } = replay(null);
    const fired = firing(log);
    expect(fired.length).toBeGreaterThan(0);
    expect(fired.filter((f) => !f.startsWith('card_testing '))).toEqual([]);
    expect(new Set(log.filter((t) => t.state === 'firing').map((t) => Object.keys(t.labels).at(-1)))).toEqual(
      new Set(['bin', 'device_ref', 'ip_ref']),
    );
    // Every attempt of the burst after it qualified (min_attempts 15) was claimed as it came, and
    // the declines among the first 14 were retracted from their minute, not judged yet (its
    // successes only flatter the rate: not worth keeping every small purchase for).
    const early = burst().slice(0, 14);
    const earlySuccesses = early.filter((e) => e.status === 'succeeded').length;
    expect(earlySuccesses).toBeLessThan(14);
    expect(excluded).toBe(800 - earlySuccesses);
  });

  it('an outage on the same provider during the burst still pages, within two minutes of its onset', () => {
    const outageAt = onset + 3 * MIN;
    const { log } = replay(outageAt);
    const page = log.find(
      (t) =>
        t.state === 'firing' && t.rule === 'provider_success_rate_drop' && t.labels['provider'] === 'stripe',
    );
    expect(page, firing(log).join('\n')).toBeDefined();
    expect(page!.at).toBeGreaterThan(outageAt);
    expect(page!.at - outageAt).toBeLessThanOrEqual(2 * MIN);
    // The provider's numbers are its own traffic's: the burst is not in the rate.
    expect(page!.summary).toMatch(/over \d+ attempts/);
    expect(log.filter((t) => t.state === 'firing' && t.at < outageAt && t.rule !== 'card_testing')).toEqual(
      [],
    );
  });

  it("the burst's own attempts that the provider fails technically count as the outage they are", () => {
    // A quiet provider (10 attempts a minute: 50 in the rate's 5-minute window, below its
    // min_attempts 60) hit by an outage while a burst runs on it: the attempts the outage fails
    // are the provider's failures whoever sent them, so the provider pages on them at once
    // instead of after the burst's window stops qualifying as card testing.
    const outageAt = onset + 6 * MIN;
    const normal = eventStream({
      from: T0,
      minutes: 200,
      perMinute: 10,
      providers: ['stripe'],
      successRate: (t) => (t >= outageAt ? 0 : 0.92),
      failure: (t) => (t >= outageAt ? 'provider_error' : t % 5 < 3 ? 'do_not_honor' : 'insufficient_funds'),
    });
    const { log } = run([...normal, ...burst(outageAt)]);
    const page = log.find((t) => t.state === 'firing' && t.rule === 'provider_success_rate_drop');
    expect(page, firing(log).join('\n')).toBeDefined();
    expect(page!.at - outageAt).toBeLessThanOrEqual(2 * MIN);
  });

  it('a restart just after a burst began still retracts its first declines from the open minute', async () => {
    // The engine stops 8 s into the burst (its first 11 attempts seen, not yet qualifying) and
    // starts again from its snapshot; the burst's first declines are in a minute restored open.
    const normal = eventStream({ from: T0, minutes: 200, perMinute: 120, providers: ['adyen', 'stripe'] });
    const events = [...normal, ...burst()].sort((a, b) => a.ts - b.ts);
    const cut = onset + 8_000;
    const cfg = parseAlertsConfig(DEFAULT_RULES_YAML);
    const store = createMemoryAlertStateStore();
    const log: AlertTransition[] = [];
    const a = createAlertEngine({ store, now: () => cut }, cfg);
    a.onTransition((t) => log.push(t));
    await a.start();
    const before = events.filter((e) => e.ts < cut);
    for (let i = 0; i < before.length; i += 1000) a.onEvents(before.slice(i, i + 1000));
    await a.stop();
    const b = createAlertEngine({ store, now: () => cut }, cfg);
    b.onTransition((t) => log.push(t));
    await b.start();
    const after = events.filter((e) => e.ts >= cut);
    for (let i = 0; i < after.length; i += 1000) b.onEvents(after.slice(i, i + 1000));
    b.finish();
    await b.stop();
    const uninterrupted = replay(null);
    expect(a.stats().excluded_events + b.stats().excluded_events).toBe(uninterrupted.excluded);
    expect(firing(log).filter((f) => !f.startsWith('card_testing '))).toEqual([]);
  });
});
