// Guards card-testing detection: a burst of small declined attempts on one BIN fires and claims the burst's attempts (so the engine leaves them out of the success-rate rules); ordinary shoppers on the same BIN do not, and a long random stream is judged exactly as a recount of every window (old rescanning code kept here as the reference), nor an issuer declining many shoppers' small payments (no actor concentration), while a burst with no device or IP at all (webhook-fed traffic) is still judged on the BIN; a device's or IP's window carries no per-actor counts (memory at `maxKeys` entities).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { TECHNICAL_FAILURE_CATEGORIES, outcomeOf } from '@paywatch/contracts';
import type { PaymentEvent } from '@paywatch/contracts';
import { maskId } from '../lib/mask.js';
import { CardTestingSpecSchema, createCardTestingDetector } from './card-testing.detector.js';
import type { CardTestingSpec } from './card-testing.detector.js';
import { makeEvent, rng } from './synthetic.js';
import type { EventFinding } from './types.js';

const decline = { category: 'do_not_honor' as const, code: '05', message: null };
/** A small (1.00) attempt the issuer declined, with `over` on top. */
const smallDecline = (over: Parameters<typeof makeEvent>[0]) =>
  makeEvent({ status: 'failed', failure: decline, amount_minor: 100, ...over });

describe('card testing detector', () => {
  it('fires on 12 small mostly-declined attempts on one BIN within 4 minutes', () => {
    const d = createCardTestingDetector(CardTestingSpecSchema.parse({ type: 'card_testing', keys: ['bin'] }));
    const findings = [];
    for (let i = 0; i < 12; i++) {
      const e = makeEvent({
        ts: 1_000_000 + i * 20_000,
        status: i % 4 === 0 ? 'succeeded' : 'failed',
        failure: i % 4 === 0 ? null : decline,
        amount_minor: 100,
        customer_ref: `c${i}`,
        event_id: `evt_cardtest_${i}`,
      });
      findings.push(...d.observe(e, 1));
    }
    expect(findings.length).toBeGreaterThan(0);
    expect(findings[0]?.labels).toEqual({ bin: '411111' });
    expect(findings[0]?.evaluation.samples?.[0]).toMatch(/^pay_…/);
    // The contributor counts what the dashboard and notifications call it: the declined attempts
    // (the summary's "…, 9 declined"), not every attempt (it said "12 failed" beside "9 declined").
    const last = findings.at(-1)!.evaluation;
    expect(last.contributors).toEqual([{ key: 'bin=411111', value: 9 }]);
    expect(last.message?.params).toMatchObject({ attempts: 12, declined: 9 });
  });
  it('ignores normal-sized purchases and spread-out traffic', () => {
    const d = createCardTestingDetector(CardTestingSpecSchema.parse({ type: 'card_testing' }));
    let n = 0;
    for (let i = 0; i < 200; i++)
      n += d.observe(makeEvent({ ts: i * 60_000, amount_minor: 4500 }), 45).length;
    for (let i = 0; i < 50; i++) n += d.observe(smallDecline({ ts: i * 120_000 }), 1).length;
    expect(n).toBe(0);
  });
  it('does not call a provider outage card testing: technical failures of small attempts are not declines', () => {
    const spec = CardTestingSpecSchema.parse({ type: 'card_testing', keys: ['bin'] });
    const run = (failure: {
      category: 'provider_error' | 'timeout' | 'do_not_honor';
      code: null;
      message: null;
    }) => {
      const d = createCardTestingDetector(spec);
      let n = 0;
      for (let i = 0; i < 30; i++)
        n += d.observe(
          makeEvent({
            ts: 1_000_000 + i * 10_000,
            status: 'failed',
            failure,
            amount_minor: 100,
            event_id: `evt_o_${i}`,
          }),
          1,
        ).length;
      return n;
    };
    expect(run({ category: 'provider_error', code: null, message: null })).toBe(0);
    expect(run({ category: 'timeout', code: null, message: null })).toBe(0);
    // The same burst declined by the issuer is card testing.
    expect(run({ category: 'do_not_honor', code: null, message: null })).toBeGreaterThan(0);
  });
  it('needs one actor behind a BIN burst: the same small declines spread over many shoppers are the issuer, not card testing', () => {
    const spec = (over: Record<string, unknown> = {}) =>
      CardTestingSpecSchema.parse({ type: 'card_testing', keys: ['bin', 'device_ref', 'ip_ref'], ...over });
    // 40 small declines on one BIN in 4 minutes; `actor(i)` decides each attempt's device and IP.
    const run = (
      d: ReturnType<typeof createCardTestingDetector>,
      actor: (i: number) => [string | null, string | null],
    ) => {
      const found = [];
      for (let i = 0; i < 40; i++) {
        const [dev, ip] = actor(i);
        found.push(
          ...d.observe(
            smallDecline({
              ts: 1_000_000 + i * 6000,
              event_id: `evt_s_${i}`,
              customer_ref: `cus_${i}`,
              device_ref: dev,
              ip_ref: ip,
              card: {
                brand: 'visa',
                bin: '411111',
                last4: String(1000 + i),
                issuer_country: 'DE',
                funding: 'debit',
                wallet: null,
              },
            }),
            1,
          ),
        );
      }
      return found.map((f) => Object.keys(f.labels)[0]);
    };
    // Every shopper on their own device and IP (a shopper retrying once: 2 attempts each).
    const spread = (i: number): [string, string] => [`dev_${i >> 1}`, `ip_${i >> 1}`];
    expect(run(createCardTestingDetector(spec()), spread)).toEqual([]);
    // No device or IP on any attempt (provider webhooks carry neither): the spread cannot be
    // told, so the BIN is judged on its own, as with the check off — every attempt from the
    // 10th (`min_attempts`) on is a finding on the BIN, instead of card testing never firing.
    expect(run(createCardTestingDetector(spec()), () => [null, null])).toEqual(
      Array(40 - 10 + 1).fill('bin'),
    );
    // A window where some attempts name an actor gets the actor check (over all its attempts):
    // spread shoppers plus as many attempts without a device or IP are not card testing.
    const halfKnown = (i: number): [string | null, string | null] =>
      i % 2 === 0 ? [`dev_${i}`, `ip_${i}`] : [null, null];
    expect(run(createCardTestingDetector(spec()), halfKnown)).not.toContain('bin');
    // One IP behind half of them (rotating devices), or one device behind half (rotating IPs): card testing on the BIN.
    const oneIp = (i: number): [string, string] => [`dev_${i}`, i % 2 === 0 ? 'ip_attacker' : `ip_${i}`];
    expect(run(createCardTestingDetector(spec()), oneIp)).toContain('bin');
    const oneDevice = (i: number): [string, string] => [i % 2 === 0 ? 'dev_attacker' : `dev_${i}`, `ip_${i}`];
    expect(run(createCardTestingDetector(spec()), oneDevice)).toContain('bin');
    // A third from one IP is below the default share of one half; a lower share accepts it.
    const third = (i: number): [string, string] => [`dev_${i}`, i % 3 === 0 ? 'ip_attacker' : `ip_${i}`];
    expect(run(createCardTestingDetector(spec()), third)).not.toContain('bin');
    expect(run(createCardTestingDetector(spec({ min_actor_share: 0.3 })), third)).toContain('bin');
    // 0 turns the check off (the BIN alone, as before the parameter existed): every attempt
    // from the 10th (`min_attempts`) on is a finding on the BIN.
    expect(run(createCardTestingDetector(spec({ min_actor_share: 0 })), spread)).toEqual(
      Array(40 - 10 + 1).fill('bin'),
    );
  });

  it('keeps a device or IP window as small as its items: no per-actor counts where the key is the actor', () => {
    // Up to `maxKeys` (100k) entities, most of them devices and IPs seen once: per-actor maps
    // allocated for every window cost ~600 bytes per entity (~60 MB at 100k) for counts only
    // the BIN's windows use.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const n = 20_000;
    const events = Array.from({ length: n }, (_, i) =>
      smallDecline({
        ts: 1_000_000 + i,
        event_id: `evt_m_${i}`,
        payment_id: `pay_m_${i}`,
        device_ref: `dev_m_${i}`,
        ip_ref: `ip_m_${i}`,
      }),
    );
    const spec = CardTestingSpecSchema.parse({ type: 'card_testing', keys: ['device_ref', 'ip_ref'] });
    gc();
    gc();
    const before = process.memoryUsage().heapUsed;
    const d = createCardTestingDetector(spec);
    for (const e of events) d.observe(e, 1);
    gc();
    gc();
    const perEntity = (process.memoryUsage().heapUsed - before) / (2 * n);
    expect(d.snapshot?.()).toBeTruthy(); // keeps the detector alive up to the measurement
    // Measured here: ~640 bytes per entity (times, items, the item, the tally's two counters);
    // ~1,030–1,180 with two empty per-actor maps on each.
    expect(perEntity).toBeLessThan(850);
  });

  it('judges a BIN exactly as a recount of its window would, as an attacker comes and goes among shoppers', () => {
    // Small attempts on one BIN for 2 hours: shoppers throughout (half declined), and from
    // minute 30 to 70 an attacker (one device, rotating IPs) sending most of them, 90 % declined
    // for 10 minutes, then 20 % (so both the decline share and the actor share rise and fall).
    const spec = CardTestingSpecSchema.parse({ type: 'card_testing', keys: ['bin'], window_minutes: 10 });
    const d = createCardTestingDetector(spec);
    const r = rng(12);
    const seen: { ts: number; declined: boolean; dev: string; ip: string }[] = [];
    let fired = 0;
    for (let ts = 0; ts < 7_200_000; ts += 1000 + Math.floor(r() * 8000)) {
      const attack = ts >= 1_800_000 && ts < 4_200_000 && r() < 0.8;
      const who = Math.floor(r() * 50);
      const dev = attack ? 'dev_attacker' : `dev_${who}`;
      const ip = attack ? `ip_x${Math.floor(r() * 1000)}` : `ip_${who}`;
      const declined = r() < (attack ? (ts < 2_400_000 ? 0.9 : 0.2) : 0.5);
      const e = makeEvent({
        ts,
        event_id: `evt_r_${ts}`,
        status: declined ? 'failed' : 'succeeded',
        failure: declined ? decline : null,
        amount_minor: 100,
        device_ref: dev,
        ip_ref: ip,
      });
      seen.push({ ts, declined, dev, ip });
      const win = seen.filter((x) => x.ts > ts - 600_000);
      const top = (f: (x: (typeof win)[number]) => string) => {
        const c = new Map<string, number>();
        for (const x of win) c.set(f(x), (c.get(f(x)) ?? 0) + 1);
        return Math.max(...c.values());
      };
      const expected =
        win.length >= spec.min_attempts &&
        win.filter((x) => x.declined).length / win.length >= spec.min_decline_ratio &&
        Math.max(
          top((x) => x.dev),
          top((x) => x.ip),
        ) >=
          spec.min_actor_share * win.length;
      const got = d.observe(e, 1).length > 0;
      expect(got, `at ${ts}`).toBe(expected);
      if (got) fired++;
    }
    // Both verdicts occur: the attack is found, and the shoppers before and after it are not.
    expect(fired).toBeGreaterThan(0);
    expect(fired).toBeLessThan(seen.length / 2);
  });
  it('claims the burst: each finding excludes its own attempt and retracts the earlier ones once; only small declines are claimable later', () => {
    const spec = CardTestingSpecSchema.parse({ type: 'card_testing', keys: ['bin'], min_attempts: 10 });
    const d = createCardTestingDetector(spec);
    const ev = (i: number) => smallDecline({ ts: 1_000_000 + i * 1000, event_id: `evt_b_${i}` });
    const found = Array.from({ length: 12 }, (_, i) => d.observe(ev(i), 1));
    expect(found.slice(0, 9).flat()).toEqual([]);
    const first = found[9]?.[0];
    expect(first?.excludes_event).toBe(true);
    expect(first?.retracts).toEqual(Array.from({ length: 9 }, (_, i) => `evt_b_${i}`));
    expect(found[10]?.[0]?.excludes_event).toBe(true);
    expect(found[10]?.[0]?.retracts).toBeUndefined();
    expect(d.mayClaim?.(ev(20), 1)).toBe(true);
    expect(d.mayClaim?.(makeEvent({ ts: 2_000_000, amount_minor: 100 }), 1)).toBe(false);
    expect(d.mayClaim?.(makeEvent({ ts: 2_000_000, amount_minor: 5000 }), 50)).toBe(false);
  });

  it('judges a long random stream exactly as a recount of every window (bursts, hovering decline shares, expiry, out of order, restore of an old snapshot)', () => {
    const spec = CardTestingSpecSchema.parse({ type: 'card_testing', window_minutes: 5, min_attempts: 8 });
    const r = rng(21);
    const events: PaymentEvent[] = [];
    let clock = 1_700_000_000_000;
    let burst = 0;
    for (let i = 0; i < 30_000; i++) {
      if (burst === 0 && r() < 0.01) burst = 20 + Math.floor(r() * 400);
      const inBurst = burst > 0;
      if (burst > 0) burst--;
      clock += inBurst ? Math.floor(r() * 1500) : Math.floor(r() * 20_000);
      if (r() < 0.002) clock += 3_600_000;
      const who = Math.floor(r() * 30);
      const u = r();
      // In a burst the decline share hovers around the 0.6 limit: windows qualify on and off.
      const declined = u < (inBurst ? 0.6 : 0.4);
      const technical = !declined && u < 0.7;
      events.push(
        makeEvent({
          ts: r() < 0.2 ? clock - Math.floor(r() * 60_000) : clock,
          event_id: `evt_q_${i}`,
          payment_id: `pay_q_${i}`,
          status: declined || technical ? 'failed' : r() < 0.97 ? 'succeeded' : 'pending',
          failure: declined ? decline : technical ? { category: 'timeout', code: null, message: null } : null,
          amount_minor: r() < 0.9 ? 100 + Math.floor(r() * 400) : 9_000,
          card: {
            brand: 'visa',
            bin: inBurst ? '400000' : `4${Math.floor(r() * 3)}1111`,
            last4: '1111',
            issuer_country: 'DE',
            funding: 'credit',
            wallet: null,
          },
          device_ref: inBurst && r() < 0.7 ? 'dev_bot' : r() < 0.1 ? null : `dev_${who}`,
          ip_ref: r() < 0.1 ? null : inBurst ? `ip_${Math.floor(r() * 3)}` : `ip_${who}`,
        }),
      );
    }
    const ref = recountCardTesting(spec);
    let d = createCardTestingDetector(spec);
    let findings = 0;
    let retracted = 0;
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      if (i === events.length / 2) {
        const old = JSON.parse(JSON.stringify(ref.snapshot())) as unknown;
        expect(JSON.parse(JSON.stringify(d.snapshot?.()))).toEqual(old);
        d = createCardTestingDetector(spec);
        d.restore?.(old);
      }
      const amount = e.amount_minor / 100;
      const want = ref.observe(e, amount);
      expect(d.observe(e, amount), `event ${i}`).toStrictEqual(want);
      findings += want.length;
      for (const f of want) retracted += f.retracts?.length ?? 0;
    }
    expect(findings).toBeGreaterThan(1000);
    expect(retracted).toBeGreaterThan(1000);
  });
});

/** The detector as it was before its running counts: every window recounted on every attempt. */
function recountCardTesting(spec: CardTestingSpec): {
  observe(e: PaymentEvent, amount: number): EventFinding[];
  snapshot(): unknown;
} {
  const TECHNICAL = new Set<string>(TECHNICAL_FAILURE_CATEGORIES);
  const NOT_A_DECLINE = new Set<string>([...TECHNICAL, 'canceled_by_user']);
  const isDecline = (e: PaymentEvent) =>
    outcomeOf(e.status) === 'failure' && !NOT_A_DECLINE.has(e.failure?.category ?? 'other');
  type Item = { declined: boolean; id: string; eid?: string; dev?: string; ip?: string };
  const map = new Map<string, { ts: number[]; items: Item[]; last: number }>();
  const windowMs = spec.window_minutes * 60_000;
  const topCount = (xs: (string | undefined)[]) => {
    const c = new Map<string, number>();
    for (const x of xs) if (x !== undefined) c.set(x, (c.get(x) ?? 0) + 1);
    return c.size ? Math.max(...c.values()) : 0;
  };
  return {
    snapshot: () => ({
      type: 'card_testing',
      windows: [...map].sort((a, b) => a[1].last - b[1].last).map(([k, w]) => [k, [...w.ts], [...w.items]]),
    }),
    observe(e, amountReporting) {
      const outcome = outcomeOf(e.status);
      if (outcome === null || amountReporting > spec.small_amount) return [];
      const claims = !(outcome === 'failure' && TECHNICAL.has(e.failure?.category ?? 'other'));
      const out: EventFinding[] = [];
      for (const k of spec.keys) {
        const v = k === 'bin' ? (e.card?.bin ?? null) : k === 'device_ref' ? e.device_ref : e.ip_ref;
        if (v === null) continue;
        const actor = k !== 'bin';
        const item: Item = {
          declined: isDecline(e),
          id: e.payment_id,
          eid: e.event_id,
          ...(actor || e.device_ref === null ? {} : { dev: e.device_ref }),
          ...(actor || e.ip_ref === null ? {} : { ip: e.ip_ref }),
        };
        const key = `${k}\u0000${v}`;
        let w = map.get(key);
        if (!w) map.set(key, (w = { ts: [], items: [], last: e.ts }));
        w.ts.push(e.ts);
        w.items.push(item);
        if (e.ts > w.last) w.last = e.ts;
        let drop = 0;
        while (drop < w.ts.length && (w.ts[drop] ?? 0) <= e.ts - windowMs) drop++;
        w.ts.splice(0, drop);
        w.items.splice(0, drop);
        const n = w.items.length;
        const declined = w.items.filter((i) => i.declined).length;
        if (n < spec.min_attempts || declined / n < spec.min_decline_ratio) continue;
        const top = Math.max(topCount(w.items.map((i) => i.dev)), topCount(w.items.map((i) => i.ip)));
        if (!actor && top > 0 && top < spec.min_actor_share * n) continue;
        const retracts: string[] = [];
        for (const i of w.items) {
          if (i.eid !== undefined && i !== item) retracts.push(i.eid);
          delete i.eid;
        }
        out.push({
          labels: { [k]: v },
          excludes_event: claims,
          ...(retracts.length ? { retracts } : {}),
          evaluation: {
            at: e.ts,
            verdict: 'anomalous',
            value: n,
            expected: spec.min_attempts,
            lower: null,
            upper: spec.min_attempts,
            score: Math.min(1, n / (2 * spec.min_attempts)),
            revenue_at_risk: 0,
            summary: `Card testing suspected on ${({ bin: 'BIN', device_ref: 'device', ip_ref: 'IP' } as Record<string, string>)[k] ?? k} ${v}: ${n} small attempts (≤ ${spec.small_amount}) in ${spec.window_minutes} min, ${declined} declined`,
            // The same figures as data (the summary above, written out, checks their English).
            message: {
              key: 'card_testing',
              params: {
                dimension: k,
                entity: v,
                attempts: n,
                small_amount: spec.small_amount,
                window_minutes: spec.window_minutes,
                declined,
              },
            },
            samples: w.items.slice(-3).map((i) => maskId(i.id)),
            contributors: [{ key: `${k}=${v}`, value: declined }],
          },
        });
      }
      return out;
    },
  };
}
