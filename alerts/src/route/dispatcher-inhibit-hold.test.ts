// Guards the default pack's inhibition at the notification level: a provider page folded under a country page (country=AU, the country's alert naming no provider) is paged once the country page resolves, while a slice warning that began during a provider's page stays folded after it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDispatcher } from './dispatcher.js';
import type { NotificationLogEntry, NotificationLogStore } from './dispatcher.js';
import { parseAlertsConfig } from '../config/load.js';
import { DEFAULT_RULES_YAML } from '../config/default-rules.js';
import { inhibitRuleOf } from '../mute/inhibit.js';
import { createSilenceRegistry } from '../mute/silences.js';
import { createNotifier } from '../notify/notifier.js';
import { createDeliveryLog } from '../notify/delivery-log.js';
import { startHttpReceiver } from '../notify/testing/http-receiver.js';
import { sampleAlert } from '../notify/testing/fixtures.js';
import type { NotifyAlert } from '../notify/types.js';

const S = 1000;
const M = 60 * S;

let rx: Awaited<ReturnType<typeof startHttpReceiver>>;
beforeEach(async () => {
  rx = await startHttpReceiver(() => ({ status: 200, body: 'ok' }));
});
afterEach(async () => rx.close());

/** The default pack (its routes and inhibit rules) with its receiver posting to the local webhook. */
function setup() {
  const yaml = DEFAULT_RULES_YAML.replace(
    '  - name: default\n    channels: []',
    `  - name: default\n    channels: [{ type: webhook, url: "${rx.url}/default" }]`,
  );
  const cfg = parseAlertsConfig(yaml);
  const nflogMap = new Map<string, NotificationLogEntry>();
  const nflog: NotificationLogStore = {
    get: (k) => nflogMap.get(k),
    set: (e) => void nflogMap.set(e.key, e),
  };
  const notifier = createNotifier(
    { log: createDeliveryLog(), sleep: async () => undefined },
    { receivers: cfg.receivers },
  );
  return createDispatcher(
    {
      notifier,
      silences: createSilenceRegistry(),
      nflog,
      inhibitRules: cfg.inhibit_rules.map(inhibitRuleOf),
    },
    cfg.routeTree,
  );
}

/** Alert ids with their status, per webhook request. */
const sent = () =>
  rx.requests.map((r) =>
    (JSON.parse(r.body) as { alerts: { fingerprint: string; status: string }[] }).alerts.map(
      (a) => `${a.fingerprint}:${a.status}`,
    ),
  );

const alert = (id: string, labels: Record<string, string>, starts_at: number): NotifyAlert =>
  sampleAlert({ id, rule: labels['alertname'] ?? 'r', labels, summary: 's', starts_at });

describe('default pack inhibition after the inhibiting page resolves', () => {
  it("pages a provider's outage that began under a country's page once that page resolves", async () => {
    const d = setup();
    const au = alert('au', { alertname: 'country_success_rate_drop', severity: 'page', country: 'AU' }, 0);
    d.update(au, 0);
    await d.tick(30 * S);
    expect(sent()).toEqual([['au:firing']]);
    // A provider carrying ~all its traffic in AU goes down while the AU page fires: its alert
    // names country=AU (finding label) and is folded under the AU page while that fires.
    const pp = alert(
      'pp',
      { alertname: 'provider_success_rate_drop', severity: 'page', provider: 'paypal', country: 'AU' },
      5 * M,
    );
    d.update(pp, 5 * M);
    for (let t = 5 * M + 30 * S; t <= 15 * M; t += M) await d.tick(t);
    expect(sent().flat()).not.toContain('pp:firing');
    expect(d.mute(pp, 15 * M).inhibited_by).toBe('au');
    // AU recovers; paypal is still down.
    d.update({ ...au, status: 'resolved', ends_at: 16 * M }, 16 * M);
    for (let t = 16 * M; t <= 30 * M; t += M) await d.tick(t);
    // Before: only [RESOLVED] country_success_rate_drop; paypal's page stayed muted to its end.
    expect(d.mute(pp, 30 * M).inhibited_by).toBeNull();
    expect(sent().flat()).toContain('pp:firing');
    expect(sent().flat()).toContain('au:resolved');
  });

  it("keeps a slice warning that began during a provider's page folded after that page resolves", async () => {
    const d = setup();
    const down = alert(
      'down',
      { alertname: 'provider_success_rate_drop', severity: 'page', provider: 'adyen' },
      0,
    );
    d.update(down, 0);
    const slice = alert(
      'slice',
      {
        alertname: 'slice_success_rate_drop',
        severity: 'warning',
        provider: 'adyen',
        method: 'card',
        country: 'DE',
      },
      M,
    );
    d.update(slice, M);
    await d.tick(M + 30 * S);
    d.update({ ...down, status: 'resolved', ends_at: 10 * M }, 10 * M);
    for (let t = 11 * M; t <= 20 * M; t += M) await d.tick(t);
    expect(sent().flat()).not.toContain('slice:firing');
    expect(d.mute(slice, 20 * M).inhibited_by).toBe('down');
  });
});
