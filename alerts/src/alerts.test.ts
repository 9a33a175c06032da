// Guards where alert deep links point: the host's own dashboard address (read when the alert is built, so a host that learns its port on listen is right) unless the alerts YAML sets `dashboard_url`, which always wins.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAlerts } from './alerts.js';
import { eventStream } from './detect/synthetic.js';
import { providerDropPack } from './engine/testing/live-engine.js';

const T0 = Date.UTC(2026, 2, 2, 8, 0);
const MIN = 60_000;
const events = eventStream({
  from: T0,
  minutes: 200,
  perMinute: 40,
  providers: ['adyen', 'stripe'],
  successRate: (t, p) => (p === 'stripe' && t >= T0 + 180 * MIN ? 0.35 : 0.92),
  failure: (t, p) => (p === 'stripe' && t >= T0 + 180 * MIN ? 'provider_error' : 'do_not_honor'),
});

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The deep link of the stripe outage alert, with the rules file `yaml` and the host's `dashboardUrl`. */
function outageLink(yaml: string, dashboardUrl?: () => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pw-alerts-link-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'rules.yaml'), yaml);
  const { engine } = createAlerts(
    { now: () => T0 + 200 * MIN },
    { rulesPath: join(dir, 'rules.yaml'), ...(dashboardUrl !== undefined ? { dashboardUrl } : {}) },
  );
  for (let i = 0; i < events.length; i += 500) engine.onEvents(events.slice(i, i + 500));
  engine.finish();
  const alert = engine.list({ rule: 'provider_success_rate_drop' })[0];
  expect(alert?.labels.provider).toBe('stripe');
  return alert!.dashboard_url;
}

describe('alert deep links', () => {
  const pack = providerDropPack('http://127.0.0.1:9', { minAttempts: 30 });

  it('start with the host address, read when the alert is built (a port known only on listen)', () => {
    let port = 0;
    const host = () => `http://127.0.0.1:${port}/`;
    port = 41_234;
    expect(outageLink(pack, host)).toMatch(
      /^http:\/\/127\.0\.0\.1:41234\/alerts\/[0-9a-f]{16}\?from=\d+&to=\d+&provider=stripe$/,
    );
    expect(outageLink(pack, () => 'https://pay.example.com/ops')).toMatch(
      /^https:\/\/pay\.example\.com\/ops\/alerts\/[0-9a-f]{16}\?/,
    );
  });

  it('without a host address, point at the dashboard of `paywatch start` (not the Vite dev server)', () => {
    expect(outageLink(pack)).toMatch(/^http:\/\/127\.0\.0\.1:8080\/alerts\/[0-9a-f]{16}\?/);
  });

  it('follow dashboard_url from the YAML over the host address', () => {
    const yaml = `dashboard_url: https://oncall.example.com\n${pack}`;
    expect(outageLink(yaml, () => 'http://127.0.0.1:8080')).toMatch(
      /^https:\/\/oncall\.example\.com\/alerts\/[0-9a-f]{16}\?/,
    );
  });
});

describe('revenue at risk currency', () => {
  /** The stripe outage's alert and the module's config, with the rules `yaml` and the host's currency. */
  function outage(yaml: string, reportingCurrency: string) {
    const dir = mkdtempSync(join(tmpdir(), 'pw-alerts-ccy-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'rules.yaml'), yaml);
    const { engine, config } = createAlerts(
      { now: () => T0 + 200 * MIN },
      { rulesPath: join(dir, 'rules.yaml'), reportingCurrency },
    );
    for (let i = 0; i < events.length; i += 500) engine.onEvents(events.slice(i, i + 500));
    engine.finish();
    const alert = engine.list({ rule: 'provider_success_rate_drop' })[0];
    expect(alert?.labels.provider).toBe('stripe');
    return { alert: alert!, config, missing: engine.stats().fx_missing };
  }
  const pack = providerDropPack('http://127.0.0.1:9', { minAttempts: 30 });

  it("keeps the rules file's reporting_currency over the host's default (EUR events were counted as 0 USD)", () => {
    expect(pack).toMatch(/reporting_currency: EUR/);
    const { alert, config, missing } = outage(pack, 'USD');
    expect(config.reporting_currency).toBe('EUR');
    expect(missing).toEqual([]);
    expect(alert.revenue_at_risk).toBeGreaterThan(0);
  });

  it("takes the host's currency when the file sets none, its USD rates re-based", () => {
    const yaml = pack.replace('reporting_currency: EUR', 'fx: { EUR: 1.25, GBP: 1.5 }');
    const usd = outage(yaml, 'USD');
    expect(usd.config.reporting_currency).toBe('USD');
    const eur = outage(yaml, 'EUR');
    expect(eur.config.reporting_currency).toBe('EUR');
    expect(eur.config.fx).toEqual({ USD: 0.8, GBP: 1.2 });
    // The same EUR payments at risk: 1.25 USD per EUR.
    expect(usd.alert.revenue_at_risk).toBeCloseTo(eur.alert.revenue_at_risk * 1.25, 6);
  });
});
