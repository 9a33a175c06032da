// Guards the reading of the alert engine's AlertState shape (list forms, detail series/deliveries) and the silence request built for an alert.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AlertDetailSchema, AlertListSchema, alertsApi, equalityMatcher, silenceFor } from './alerts-api.js';

/** Field for field the engine's persisted state (alerts/src/state/alert-state.ts). */
const state = {
  id: 'a1b2',
  rule: 'success_rate_drop',
  labels: { provider: 'adyen', method: 'card', country: 'DE' },
  status: 'firing',
  severity: 'critical',
  active_since: 1_000,
  fired_at: 2_000,
  resolved_at: null,
  last_eval_at: 9_000,
  value: 0.71,
  expected: 0.93,
  lower: 0.9,
  upper: 0.96,
  score: 0.99,
  summary: 'adyen/card/DE success rate 71% (expected 93%)',
  revenue_at_risk: 1234.5,
  samples: ['pay_1', 'pay_2'],
  contributors: [{ key: 'card_bin=453201', value: 0.62 }],
  transitions: [2_000],
  flapping: false,
  no_data: false,
  acknowledged_by: null,
  acknowledged_at: null,
  dashboard_url: 'http://127.0.0.1:8080/alerts/a1b2',
  muted: { silenced_by: [], inhibited_by: 'p9' },
};

describe('alerts API shapes', () => {
  it("reads silence and inhibition from the engine's mute info", () => {
    const [a] = AlertListSchema.parse({ items: [state] }).items;
    expect(a?.silenced).toBe(false);
    expect(a?.inhibitedBy).toBe('p9');
    const [b] = AlertListSchema.parse({
      items: [{ ...state, muted: { silenced_by: ['s1'], inhibited_by: null } }],
    }).items;
    expect(b?.silenced).toBe(true);
  });

  it('quotes and escapes matcher values the way the engine parses them', () => {
    expect(equalityMatcher('merchant_id', 'a "b" \\ c')).toBe('merchant_id="a \\"b\\" \\\\ c"');
  });

  it('maps the engine state onto the dashboard view', () => {
    const [a] = AlertListSchema.parse([state]).items;
    expect(a).toMatchObject({
      id: 'a1b2',
      state: 'firing',
      severity: 'critical',
      started_at: 1_000,
      value: 0.71,
      expected: { low: 0.9, high: 0.96, value: 0.93 },
      revenue_at_risk: 1234.5,
      acknowledged: null,
      silenced: false,
      samples: ['pay_1', 'pay_2'],
      contributors: [{ key: 'card_bin=453201', value: 0.62 }],
    });
  });

  it('says a firing alert is recovering when its latest evaluations are normal again (keep_firing_for)', () => {
    const view = (over: object) => AlertListSchema.parse([{ ...state, ...over }]).items[0]?.recovering;
    // Last anomalous at 8 000, evaluated normal at 9 000: held firing, recovering.
    expect(view({ last_anomalous_at: 8_000, last_normal_at: 9_000 })).toBe(8_000);
    // Still anomalous at its latest evaluation, resolved, or an engine that sends no such field.
    expect(view({ last_anomalous_at: 9_000, last_normal_at: 7_000 })).toBeNull();
    expect(view({ last_anomalous_at: 8_000, last_normal_at: 9_000, status: 'resolved' })).toBeNull();
    // Evaluated at 9 000 with no data or too few attempts since 8 000 (a provider's traffic routed
    // away): nothing says it is normal again.
    expect(view({ last_anomalous_at: 8_000 })).toBeNull();
    expect(view({ last_anomalous_at: 8_000, last_normal_at: 7_000 })).toBeNull();
    expect(view({})).toBeNull();
  });

  it('prices revenue at risk in the currency the API names (revenue_at_risk_currency), not USD', () => {
    // GET /alerts, /alerts/{id} and the ack answer name it revenue_at_risk_currency (alerts.schemas.ts).
    const [a] = AlertListSchema.parse({ items: [{ ...state, revenue_at_risk_currency: 'EUR' }] }).items;
    expect(a?.reporting_currency).toBe('EUR');
    const d = AlertDetailSchema.parse({ ...state, revenue_at_risk_currency: 'JPY' });
    expect(d.reporting_currency).toBe('JPY');
  });

  it('accepts a bare array, { items } and { alerts }', () => {
    for (const body of [[state], { items: [state] }, { alerts: [state] }])
      expect(AlertListSchema.parse(body).items).toHaveLength(1);
  });

  it('reads acknowledgement, detail series and the delivery log', () => {
    const d = AlertDetailSchema.parse({
      ...state,
      acknowledged_by: 'li.wei',
      acknowledged_at: 5_000,
      series: [{ t: 1, value: 0.7, lower: 0.9, upper: 0.96 }],
      deliveries: [
        {
          id: 1,
          at: 3_000,
          receiver: 'oncall',
          channel: 'dingtalk',
          target: 'oapi.dingtalk.com',
          status: 'failed',
          attempts: 3,
          error: 'HTTP 500',
        },
      ],
    });
    expect(d.acknowledged).toEqual({ by: 'li.wei', at: 5_000, reason: null });
    const withReason = AlertDetailSchema.parse({
      ...state,
      acknowledged_by: 'li.wei',
      acknowledged_at: 5_000,
      acknowledged_reason: 'rolling back the adyen config',
    });
    expect(withReason.acknowledged).toEqual({
      by: 'li.wei',
      at: 5_000,
      reason: 'rolling back the adyen config',
    });
    expect(d.series).toEqual([{ t: 1, observed: 0.7, expected_low: 0.9, expected_high: 0.96 }]);
    expect(d.deliveries[0]).toMatchObject({
      channel: 'dingtalk',
      status: 'failed',
      attempts: 3,
      error: 'HTTP 500',
    });
  });

  it('rejects an unknown status instead of guessing', () => {
    expect(AlertListSchema.safeParse([{ ...state, status: 'exploded' }]).success).toBe(false);
  });

  it('silences an alert by its rule and every label, for the chosen duration', () => {
    const [a] = AlertListSchema.parse([state]).items;
    expect(silenceFor(a!, 'deploy in progress', 10_000, 3_600_000, 'dashboard')).toEqual({
      matchers: ['alertname="success_rate_drop"', 'provider="adyen"', 'method="card"', 'country="DE"'],
      starts_at: 10_000,
      ends_at: 3_610_000,
      created_by: 'dashboard',
      comment: 'deploy in progress',
    });
  });

  it('shows and silences an alert by its finding labels too (the provider a decline-mix shift named)', () => {
    // The engine keeps labels a finding named apart (finding_labels); its silences and the API's
    // filter= match labels and finding labels together.
    const [a] = AlertListSchema.parse({
      items: [
        {
          ...state,
          rule: 'decline_mix_shift',
          labels: { alertname: 'decline_mix_shift' },
          finding_labels: { provider: 'adyen' },
        },
      ],
    }).items;
    expect(a?.labels).toEqual({ alertname: 'decline_mix_shift', provider: 'adyen' });
    expect(silenceFor(a!, 'adyen incident', 0, 3_600_000, 'dashboard').matchers).toEqual([
      'alertname="decline_mix_shift"',
      'provider="adyen"',
    ]);
  });
});

type Delivery = { at: number; alert_ids: string[]; channel: string; status: string };

/**
 * The collector's two alert read routes as alerts.router.ts answers them (its query checks, the
 * delivery log's `alert` filter and limit, GET /alerts' `limit` and `next_cursor`), over an
 * in-memory log and alert list: no network.
 */
function fakeCollector(data: { deliveries?: Delivery[]; alerts?: (typeof state)[] }) {
  const calls: string[] = [];
  const answer = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const fetch = (input: string | URL | Request): Promise<Response> => {
    const url = new URL(String(input), 'http://collector');
    calls.push(url.pathname + url.search);
    const q = Object.fromEntries(url.searchParams);
    const allowed = (names: string[]) => Object.keys(q).find((k) => !names.includes(k));
    if (url.pathname === '/api/v1/alerts-deliveries') {
      const unknown = allowed(['limit', 'receiver', 'status', 'alert']);
      if (unknown)
        return Promise.resolve(
          answer(400, { error: { code: 'invalid_parameter', message: unknown, field: unknown } }),
        );
      const newestFirst = [...(data.deliveries ?? [])].sort((a, b) => b.at - a.at);
      const items = newestFirst.filter((d) => !q['alert'] || d.alert_ids.includes(q['alert']));
      return Promise.resolve(answer(200, { items: items.slice(0, Number(q['limit'] ?? 100)) }));
    }
    if (url.pathname === '/api/v1/alerts') {
      const unknown = allowed(['status', 'severity', 'limit', 'cursor', 'rule', 'filter']);
      if (unknown)
        return Promise.resolve(
          answer(400, { error: { code: 'invalid_parameter', message: unknown, field: unknown } }),
        );
      const st = q['status'];
      const all = (data.alerts ?? []).filter(
        (a) =>
          !st || a.status === st || (st === 'active' && (a.status === 'pending' || a.status === 'firing')),
      );
      const from = q['cursor'] ? Number(q['cursor']) : 0;
      const limit = Number(q['limit'] ?? 500);
      const items = all.slice(from, from + limit);
      const next = from + limit < all.length ? String(from + limit) : null;
      return Promise.resolve(answer(200, { items, next_cursor: next }));
    }
    return Promise.resolve(answer(404, { error: { code: 'not_found', message: url.pathname } }));
  };
  return { fetch, calls };
}

describe('alerts API calls', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("finds an alert's deliveries older than the newest 1000 entries of the whole log", async () => {
    // The detail fetched the newest 1000 entries of every alert and filtered them in the browser:
    // on a busy system the page sent for this alert an hour ago was past them and the detail
    // read "no deliveries".
    const paged = { at: 1_000, alert_ids: ['a1b2'], channel: 'pagerduty', status: 'sent' };
    const others = Array.from({ length: 1500 }, (_, i) => ({
      at: 2_000 + i,
      alert_ids: [`other${i}`],
      channel: 'slack',
      status: 'sent',
    }));
    const c = fakeCollector({ deliveries: [paged, ...others] });
    vi.stubGlobal('fetch', c.fetch);
    expect(await alertsApi.deliveriesOf('a1b2')).toMatchObject([{ at: 1_000, channel: 'pagerduty' }]);
    expect(c.calls).toEqual([expect.stringContaining('alert=a1b2')]);
  });

  // Alerts as the engine lists them, newest episode first: `n` of them in `status`.
  const many = (n: number, status: string) =>
    Array.from({ length: n }, (_, i) => ({ ...state, id: `a${i}`, status, active_since: 1_000_000 - i }));

  it('follows next_cursor for the active alerts: none of them is left off the on-call screen', async () => {
    // GET /alerts answers at most 500 and a next_cursor; the dashboard read the first page only,
    // so the 501st firing alert of an outage was nowhere on the live screen or the alerts page.
    const c = fakeCollector({ alerts: [...many(1200, 'firing'), ...many(30, 'resolved')] });
    vi.stubGlobal('fetch', c.fetch);
    for (const status of ['active', 'firing']) {
      c.calls.length = 0;
      const r = await alertsApi.list({ status });
      expect(r.items).toHaveLength(1200);
      expect(new Set(r.items.map((a) => a.id)).size).toBe(1200);
      expect(r.more).toBe(false);
      expect(c.calls).toHaveLength(3);
    }
  });

  it('says when more alerts of every state match than one page shows, instead of cutting silently', async () => {
    const c = fakeCollector({ alerts: [...many(20, 'firing'), ...many(1200, 'resolved')] });
    vi.stubGlobal('fetch', c.fetch);
    const all = await alertsApi.list({});
    expect([all.items.length, all.more]).toEqual([500, true]);
    const resolved = await alertsApi.list({ status: 'resolved' });
    expect([resolved.items.length, resolved.more]).toEqual([500, true]);
    const few = await alertsApi.list({ status: 'firing' });
    expect([few.items.length, few.more]).toEqual([20, false]);
  });
});
