import { z } from 'zod';
import { TECHNICAL_FAILURE_CATEGORIES, outcomeOf } from '@paywatch/contracts';
import type { PaymentEvent } from '@paywatch/contracts';
import { maskId } from '../lib/mask.js';
import { KeyedWindows } from './keyed.js';
import type { WindowTally } from './keyed.js';
import { fieldsOf } from './snapshot.js';
import type { EventDetector, EventFinding } from './types.js';
import { say } from './summary.js';

/**
 * Card testing: a burst of small attempts, mostly declined, on one BIN, device or IP (a
 * fraudster validating stolen cards). Fires per entity when the window holds at least
 * `min_attempts` small attempts, the declined share reaches `min_decline_ratio`, and — on a key
 * that is not itself an actor (the BIN) — one device or one IP sent at least `min_actor_share`
 * of them (unless no attempt names either: then the BIN is judged on its own): card testing is
 * one actor trying many cards, whereas an issuer declining its
 * genuine customers (a transit or subscription merchant's small payments) shows the ordinary
 * spread of devices and IPs, a few attempts each; it is left to the rate rules. Only
 * declines count as declined: a technical failure (provider error, timeout, network error) or a
 * shopper's cancellation says nothing about the card, so a provider outage that fails every
 * small attempt is not reported as card testing (the outage rules report it).
 *
 * Each small attempt on an entity whose window qualifies is claimed by the finding
 * (`excludes_event`): the engine leaves it out of the series rules, so the burst's declines do
 * not also page the provider's success rate or decline mix (the provider is healthy), while a
 * real outage during the burst is still seen in the rest of the provider's traffic — and in the
 * burst's own attempts that the provider fails technically: those are the provider's failures
 * whoever sent them, so they are never claimed (on a quiet provider they can be most of what
 * the outage rules see while the burst's window still qualifies). The
 * declines of the window seen before it qualified are claimed with the first finding
 * (`retracts`): the engine takes them back out of minutes not yet judged, so even a burst's
 * first attempts do not tip a quiet slice's decline mix.
 */
export const CardTestingSpecSchema = z.object({
  type: z.literal('card_testing'),
  keys: z
    .array(z.enum(['bin', 'device_ref', 'ip_ref']))
    .min(1)
    .default(['bin', 'device_ref', 'ip_ref']),
  window_minutes: z.number().int().min(1).max(1440).default(10),
  /** "Small" in the reporting currency. */
  small_amount: z.number().positive().default(5),
  min_attempts: z.number().int().min(2).default(10),
  min_decline_ratio: z.number().min(0).max(1).default(0.6),
  /**
   * Actor concentration, for the `bin` key: the largest share of the window's small attempts
   * sent by one `device_ref` or one `ip_ref` (attempts without them belong to no actor). Below
   * it the BIN's declines are spread over many shoppers (an issuer incident), not card testing.
   * A window in which no attempt names a device or an IP (webhook-fed traffic) is not checked.
   * `device_ref` and `ip_ref` windows are one actor by construction. 0 turns the check off.
   */
  min_actor_share: z.number().min(0).max(1).default(0.5),
});
export type CardTestingSpec = z.infer<typeof CardTestingSpecSchema>;

const TECHNICAL = new Set<string>(TECHNICAL_FAILURE_CATEGORIES);
const NOT_A_DECLINE = new Set<string>([...TECHNICAL, 'canceled_by_user']);

/** An attempt the card's issuer (or the provider's risk check) refused. */
const isDecline = (e: PaymentEvent): boolean =>
  outcomeOf(e.status) === 'failure' && !NOT_A_DECLINE.has(e.failure?.category ?? 'other');

function keyValue(e: PaymentEvent, k: CardTestingSpec['keys'][number]): string | null {
  if (k === 'bin') return e.card?.bin ?? null;
  return k === 'device_ref' ? e.device_ref : e.ip_ref;
}

/** An attempt in an entity's window; `eid` until a finding claimed it. */
interface Item {
  declined: boolean;
  id: string;
  eid?: string;
  /** The attempt's device and IP (only in the windows of a key that is not an actor: the BIN). */
  dev?: string;
  ip?: string;
}

/** Keys whose value is an actor (one device, one IP): their windows are concentrated by construction. */
const ACTOR_KEYS = new Set<string>(['device_ref', 'ip_ref']);

/**
 * Attempts per actor (device or IP) in a window, with the largest count kept in O(1) per add
 * and drop: `freq[c]` is how many actors have exactly `c` attempts, so when the only actor at
 * the maximum loses one, the maximum is one less.
 */
class ActorCounts {
  private readonly count = new Map<string, number>();
  private readonly freq: number[] = [];
  max = 0;
  add(a: string): void {
    const c = (this.count.get(a) ?? 0) + 1;
    this.count.set(a, c);
    if (c > 1) this.freq[c - 1] = (this.freq[c - 1] ?? 1) - 1;
    this.freq[c] = (this.freq[c] ?? 0) + 1;
    if (c > this.max) this.max = c;
  }
  drop(a: string): void {
    const c = this.count.get(a);
    if (c === undefined) return;
    const left = (this.freq[c] ?? 1) - 1;
    this.freq[c] = left;
    if (c === this.max && left === 0) this.max = c - 1;
    if (c === 1) this.count.delete(a);
    else {
      this.count.set(a, c - 1);
      this.freq[c - 1] = (this.freq[c - 1] ?? 0) + 1;
    }
  }
}

/** Running counts of an entity's window (kept in step by `KeyedWindows`: no rescans per event). */
interface Tally {
  declined: number;
  /** Items still holding their `eid` (not claimed yet). */
  unclaimed: number;
  /**
   * Attempts per device and per IP, made on the first item that names one (only the BIN's
   * windows do): a device's or IP's window, most of the up to `maxKeys` entities, carries none.
   */
  dev?: ActorCounts;
  ip?: ActorCounts;
}

const TALLY: WindowTally<Item, Tally> = {
  init: () => ({ declined: 0, unclaimed: 0 }),
  add(t, i) {
    if (i.declined) t.declined++;
    if (i.eid !== undefined) t.unclaimed++;
    if (i.dev !== undefined) (t.dev ??= new ActorCounts()).add(i.dev);
    if (i.ip !== undefined) (t.ip ??= new ActorCounts()).add(i.ip);
  },
  drop(t, i) {
    if (i.declined) t.declined--;
    if (i.eid !== undefined) t.unclaimed--;
    if (i.dev !== undefined) t.dev?.drop(i.dev);
    if (i.ip !== undefined) t.ip?.drop(i.ip);
  },
};

export function createCardTestingDetector(spec: CardTestingSpec): EventDetector {
  // `eid`: the event id, kept until a finding claims the attempt (for `retracts`).
  const windows = new KeyedWindows<Item, Tally>(spec.window_minutes * 60_000, undefined, TALLY);
  return {
    kind: 'event',
    type: 'card_testing',
    snapshot() {
      return { type: 'card_testing', windows: windows.toJson() };
    },
    restore(state: unknown) {
      windows.fromJson(fieldsOf(state, 'card_testing')['windows']);
    },
    // Only a small *declined* attempt is worth retracting later: a burst's declines are what
    // drag a success rate and tip a decline mix; its few successes only flatter the rate. Legit
    // small purchases (mostly successful) then cost the engine no bookkeeping.
    mayClaim(e: PaymentEvent, amountReporting: number): boolean {
      return amountReporting <= spec.small_amount && isDecline(e);
    },
    observe(e: PaymentEvent, amountReporting: number): EventFinding[] {
      const outcome = outcomeOf(e.status);
      if (outcome === null || amountReporting > spec.small_amount) return [];
      // A technical failure is the provider's (an outage), not the burst's: left to the series rules.
      const claims = !(outcome === 'failure' && TECHNICAL.has(e.failure?.category ?? 'other'));
      const out: EventFinding[] = [];
      for (const k of spec.keys) {
        const v = keyValue(e, k);
        if (v === null) continue;
        const actor = ACTOR_KEYS.has(k);
        const item: Item = {
          declined: isDecline(e),
          id: e.payment_id,
          eid: e.event_id,
          ...(actor || e.device_ref === null ? {} : { dev: e.device_ref }),
          ...(actor || e.ip_ref === null ? {} : { ip: e.ip_ref }),
        };
        const w = windows.add(`${k}\u0000${v}`, e.ts, item);
        const t = w.tally;
        if (t === undefined) throw new Error('unreachable: card-testing windows are tallied');
        const n = w.size;
        const declined = t.declined;
        if (n < spec.min_attempts || declined / n < spec.min_decline_ratio) continue;
        // Many shoppers' declines on one BIN are the issuer's, not one actor's card testing:
        // one device or one IP must have sent `min_actor_share` of the window's attempts. When no
        // attempt in the window names a device or an IP (provider webhooks carry neither), the
        // spread cannot be told and the BIN is judged on its own (else card testing could never
        // fire on such traffic).
        const top = Math.max(t.dev?.max ?? 0, t.ip?.max ?? 0);
        if (!actor && top > 0 && top < spec.min_actor_share * n) continue;
        // Claim this attempt and the window's earlier ones not claimed yet (once each). The
        // unclaimed attempts are the window's newest `unclaimed` (a finding claims the whole
        // window; items arrive at the end and leave from the front), so only they are visited:
        // a window going in and out of qualifying (a decline share hovering at the limit) no
        // longer rescans every claimed attempt each time it qualifies again.
        const retracts: string[] = [];
        if (t.unclaimed > 1)
          for (const i of w.latest(t.unclaimed)) {
            if (i.eid !== undefined && i !== item) retracts.push(i.eid);
            delete i.eid;
          }
        delete item.eid;
        t.unclaimed = 0;
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
            ...say({
              key: 'card_testing',
              params: {
                dimension: k,
                entity: v,
                attempts: n,
                small_amount: spec.small_amount,
                window_minutes: spec.window_minutes,
                declined,
              },
            }),
            samples: w.latest(3).map((i) => maskId(i.id)),
            // Failures, as every contributor counts them ("bin=411234 · 901 failed").
            contributors: [{ key: `${k}=${v}`, value: declined }],
          },
        });
      }
      return out;
    },
  };
}
