import {
  currencyExponent,
  type CardWallet,
  type Channel,
  type FailureCategory,
  type Method,
  type PaymentEventInput,
  type Provider,
  type Status,
} from '@paywatch/contracts';
import { holidayCalendar, type Holiday, type HolidayCalendar } from './holidays.js';
import { brandOfBin, type Incident } from './incidents.js';
import {
  BASE_DECLINE_RATE,
  COUNTRIES,
  CROSS_BORDER_ISSUERS,
  LATENCY,
  NEW_CARD_DECLINES,
  RETRY_PROBABILITY,
  SEASONALITY_MAX,
  STICKY_DECLINES,
  TECHNICAL,
  USER_LEVELS,
  cardRanges,
  declineTable,
  rawFailure,
  seasonality,
  type CountryProfile,
  type MethodPlan,
} from './model.js';
import { Rng, hash32, weighted } from './prng.js';

/** Options of one simulated stream. Same options (seed included) → byte-identical events. */
export interface GeneratorConfig {
  /** Unsigned 32-bit seed. Appears in every id, so two seeds never share an event_id. */
  seed: number;
  /** Event time of the start of the stream (epoch ms). */
  start: number;
  /** Exclusive end (epoch ms): no event at or after it. Unbounded when absent. */
  end?: number;
  /** Mean events per second of event time (seasonality moves the instantaneous rate around it). */
  rate: number;
  /** Daily/weekly volume shape in each market's local time; default true. */
  seasonality?: boolean;
  incidents?: readonly Incident[];
  /** Public holidays: volume level and a Sunday-like day in the markets observing them. */
  holidays?: readonly Holiday[];
  /** How `ts` is written; default `rfc3339`. */
  tsFormat?: 'rfc3339' | 'epoch_ms';
  /**
   * Median delay of refunds and chargebacks after a successful payment (ms of event time).
   * Defaults are realistic (hours / days); a live demo shortens them to minutes.
   */
  refundDelayMs?: number;
  chargebackDelayMs?: number;
  /**
   * Extra text in every id after the seed (`pay_<seed><idTag>_…`): streams of the same seed with
   * different tags never share an event_id (the live demo tags each start, so a restart with
   * `--seed` is not dropped as duplicates of the previous start's events). Lowercase letters and
   * digits; none by default.
   */
  idTag?: string;
}

/**
 * A time-ordered, endless (or `end`-bounded) stream of simulated payment events. Pull-based:
 * nothing is generated ahead of what is asked for except events already scheduled (later
 * attempts, captures, refunds), so memory stays bounded by rate × the longest delay.
 */
export interface EventGenerator {
  readonly seed: number;
  readonly start: number;
  readonly end: number;
  /** Event time (epoch ms) of the next event without consuming it; Infinity once the stream ended. */
  peekTime(): number;
  /** The next event, or undefined once the stream ended. Events are read-only. */
  next(): PaymentEventInput | undefined;
  [Symbol.iterator](): Iterator<PaymentEventInput>;
}

interface Scheduled {
  t: number;
  order: number;
  ev: PaymentEventInput;
}

/** A binary min-heap on (t, order): equal times keep insertion order, so output is deterministic. */
class EventHeap {
  private readonly a: Scheduled[] = [];
  get size(): number {
    return this.a.length;
  }
  peek(): Scheduled | undefined {
    return this.a[0];
  }
  private less(x: Scheduled, y: Scheduled): boolean {
    return x.t < y.t || (x.t === y.t && x.order < y.order);
  }
  push(s: Scheduled): void {
    const a = this.a;
    a.push(s);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const ap = a[p] as Scheduled;
      if (!this.less(s, ap)) break;
      a[i] = ap;
      i = p;
    }
    a[i] = s;
  }
  pop(): Scheduled | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (top === undefined || last === undefined || a.length === 0) return top;
    let i = 0;
    const n = a.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(a[r] as Scheduled, a[l] as Scheduled) ? r : l;
      if (!this.less(a[c] as Scheduled, last)) break;
      a[i] = a[c] as Scheduled;
      i = c;
    }
    a[i] = last;
    return top;
  }
  clear(): void {
    this.a.length = 0;
  }
}

type Card = NonNullable<PaymentEventInput['card']>;
type Failure = NonNullable<PaymentEventInput['failure']>;

const OUTAGE_CATEGORIES = weighted<FailureCategory>([
  ['provider_error', 0.6],
  ['timeout', 0.3],
  ['network_error', 0.1],
]);
const CARD_TESTING_OUTCOMES = weighted<FailureCategory | 'ok'>([
  ['invalid_card_data', 0.38],
  ['do_not_honor', 0.2],
  ['card_expired', 0.14],
  ['fraud_suspected', 0.14],
  ['insufficient_funds', 0.06],
  ['ok', 0.08],
]);
const COUNTRY_TABLE = weighted(COUNTRIES.map((c, i) => [i, c.share] as const));
const OUTAGE_FAILURE_SHARE = 0.85;
const DECLINE_SHIFT_SHARE = 0.85;
const THREE_DS_FAILURE = 0.08;
const MAX_ATTEMPTS = 3;
const REFUND_P = 0.012;
const PARTIAL_REFUND_P = 0.004;
const CHARGEBACK_P = 0.0006;

function ipOf(x: number): string {
  return `${((x >>> 24) % 223) + 1}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${(x & 255) | 1}`;
}

/** A card-testing burst's own arrival stream (separate PRNG: the baseline stream is unchanged). */
interface Burst {
  incident: Extract<Incident, { type: 'card-testing' }>;
  idx: number;
  rng: Rng;
  next: number;
  n: number;
  perMs: number;
}

/** Settings the stream derives once from its config. */
interface Resolved {
  seed: number;
  seed36: string;
  start: number;
  end: number;
  paymentsPerMs: number;
  seasonal: boolean;
  epochTs: boolean;
  incidents: readonly Incident[];
  holidays: HolidayCalendar;
  refundDelayMs: number;
  chargebackDelayMs: number;
}

/** One payment being generated: what its events share; `attempt`, `provider`, `card` change on retries. */
interface PaymentCtx {
  paymentId: string;
  evPrefix: string;
  /** Events emitted so far (the event_id suffix). */
  k: number;
  attempt: number;
  merchant: string;
  provider: Provider;
  method: Method;
  channel: Channel;
  amount: number;
  currency: string;
  country: string;
  customer: string;
  device: string;
  ip: string;
  userLevel: string;
  card: Card | undefined;
}

/** One attempt's result, as the payment loop needs it. */
interface AttemptResult {
  done: number;
  failed: FailureCategory | null;
}

class Stream implements EventGenerator {
  readonly seed: number;
  readonly start: number;
  readonly end: number;
  private readonly r: Resolved;
  private readonly heap = new EventHeap();
  private order = 0;
  private readonly arrivals: Rng;
  private nextArrival: number;
  private paymentIndex = 0;
  /** Card-testing bursts: each has its own arrival stream. */
  private readonly bursts: Burst[];
  private readonly maxSeason: number;

  constructor(r: Resolved, burstRatePerMs: number) {
    this.r = r;
    this.seed = r.seed;
    this.start = r.start;
    this.end = r.end;
    this.maxSeason = (r.seasonal ? SEASONALITY_MAX : 1) * r.holidays.max;
    this.arrivals = new Rng(hash32(r.seed, 0xa1));
    this.nextArrival = r.start;
    this.advanceArrival();
    this.bursts = r.incidents.flatMap((incident, idx) =>
      incident.type === 'card-testing'
        ? [
            {
              incident,
              idx,
              rng: new Rng(hash32(r.seed, 0xc7, idx)),
              next: Math.max(incident.start, r.start),
              n: 0,
              perMs: burstRatePerMs,
            },
          ]
        : [],
    );
    for (const b of this.bursts) this.advanceBurst(b);
  }

  // -- pulling ---------------------------------------------------------------------------------

  private nextSpawn(): number {
    let t = this.nextArrival;
    for (const b of this.bursts) if (b.next < t) t = b.next;
    return t;
  }

  /** Spawns payments until the heap's earliest event is no later than any future arrival. */
  private ensure(): Scheduled | undefined {
    for (;;) {
      const top = this.heap.peek();
      const spawnAt = this.nextSpawn();
      if (top !== undefined && top.t <= spawnAt) {
        if (top.t >= this.end) {
          this.heap.clear();
          return undefined;
        }
        return top;
      }
      if (spawnAt === Infinity) return undefined;
      if (spawnAt === this.nextArrival) {
        this.spawnPayment(this.nextArrival);
        this.advanceArrival();
      } else {
        const b = this.bursts.find((x) => x.next === spawnAt);
        if (b === undefined) throw new Error('unreachable: no burst at spawn time');
        this.spawnCardTest(b, spawnAt);
        this.advanceBurst(b);
      }
    }
  }

  peekTime(): number {
    return this.ensure()?.t ?? Infinity;
  }

  next(): PaymentEventInput | undefined {
    if (this.ensure() === undefined) return undefined;
    return this.heap.pop()?.ev;
  }

  *[Symbol.iterator](): Iterator<PaymentEventInput> {
    for (let ev = this.next(); ev !== undefined; ev = this.next()) yield ev;
  }

  /** Draws the next accepted arrival (thinning a Poisson process by each market's seasonality). */
  private pendingCountry = 0;
  private advanceArrival(): void {
    const meanGap = 1 / (this.r.paymentsPerMs * this.maxSeason);
    let t = this.nextArrival;
    for (;;) {
      t += this.arrivals.exponential(meanGap);
      if (t >= this.end) {
        this.nextArrival = Infinity;
        return;
      }
      const ci = this.arrivals.draw(COUNTRY_TABLE);
      const c = COUNTRIES[ci] as CountryProfile;
      // On a holiday the market's day is Sunday-shaped and scaled by its level.
      const level = this.r.holidays.at(t, c.code, c.utcOffsetH);
      const shape = this.r.seasonal ? seasonality(t, c.utcOffsetH, level !== 1) : 1;
      // (A flat stream without holidays accepts every arrival without a draw, as it always has:
      // same seed and options → the same events as before holidays existed.)
      if (
        (!this.r.seasonal && level === 1 && this.maxSeason === 1) ||
        this.arrivals.next() * this.maxSeason < shape * level
      ) {
        this.nextArrival = t;
        this.pendingCountry = ci;
        return;
      }
    }
  }

  private advanceBurst(b: Burst): void {
    const end = Math.min(b.incident.end, this.end);
    const t = b.next + b.rng.exponential(1 / b.perMs);
    b.next = t < end ? t : Infinity;
  }

  // -- emitting --------------------------------------------------------------------------------

  private isoSecond = NaN;
  private isoPrefix = '';
  /** RFC 3339 (UTC, ms) of `t`; caches the per-second prefix since consecutive events share it. */
  private iso(t: number): string {
    const sec = Math.floor(t / 1000);
    if (sec !== this.isoSecond) {
      this.isoSecond = sec;
      this.isoPrefix = new Date(sec * 1000).toISOString().slice(0, 20);
    }
    const ms = t - sec * 1000;
    return this.isoPrefix + (ms < 10 ? '00' : ms < 100 ? '0' : '') + String(ms) + 'Z';
  }

  private schedule(t: number, ev: PaymentEventInput): void {
    this.heap.push({ t, order: this.order++, ev });
  }

  /**
   * The first incident of `type` active at `t` that `applies` to this attempt: overlapping
   * incidents of one type (two providers down at once) each reach their own attempts.
   */
  private active<T extends Incident['type']>(
    type: T,
    t: number,
    applies: (i: Extract<Incident, { type: T }>) => boolean,
  ): Extract<Incident, { type: T }> | undefined {
    for (const i of this.r.incidents)
      if (i.type === type && t >= i.start && t < i.end && applies(i as Extract<Incident, { type: T }>))
        return i as Extract<Incident, { type: T }>;
    return undefined;
  }

  /** Generates one payment's whole life (attempts, captures, refunds) and schedules its events. */
  spawnPayment(arrival: number): number {
    // Event times are whole milliseconds; flooring keeps them ≥ every event already emitted.
    const t0 = Math.floor(arrival);
    const idx = this.paymentIndex++;
    const rng = new Rng(hash32(this.r.seed, 0xb2, idx));
    const ci = this.pendingCountry;
    const c = COUNTRIES[ci] as CountryProfile;
    const plan = rng.draw(c.methods);
    const pid36 = idx.toString(36);

    // The shopper: a recurring customer from the market's population (popular ones more often).
    const pool = Math.round(2000 + 100_000 * c.share);
    const u = rng.next();
    const custIdx = Math.floor(pool * u * u);
    const h = hash32(this.r.seed, 0xc0, ci, custIdx);
    const device = rng.chance(0.12) ? hash32(h, 1 + rng.int(3)) : hash32(h, 0);
    const ip = hash32(h, rng.chance(0.25) ? 11 + rng.int(5) : 10);
    const p: PaymentCtx = {
      paymentId: `pay_${this.r.seed36}_${pid36}`,
      evPrefix: `evt_${this.r.seed36}_${pid36}_`,
      k: 0,
      attempt: 1,
      merchant: rng.draw(c.merchants),
      provider: rng.draw(plan.providers),
      method: plan.method,
      channel: rng.draw(plan.channels),
      amount: 0,
      currency: c.currency,
      country: c.code,
      customer: `cus_${c.code.toLowerCase()}${custIdx.toString(36)}`,
      device: `dev_${device.toString(36)}`,
      ip: ipOf(ip),
      userLevel: new Rng(h).draw(USER_LEVELS),
      card: plan.card ? this.cardOf(h, 0, c, plan.wallet) : undefined,
    };
    const exp = currencyExponent(c.currency);
    const major = Math.min(rng.logNormal(c.ticketMedian, c.ticketSigma), c.ticketMedian * 150);
    p.amount = Math.max(c.amountStep, Math.round((major * 10 ** exp) / c.amountStep) * c.amountStep);
    let t = t0;
    let prev: FailureCategory | null = null;
    let newCard = false;

    for (;;) {
      const res = this.attempt(rng, t, c, plan, p, prev, newCard);
      if (res.failed === null) {
        this.afterSale(rng, res.done, plan, p);
        break;
      }
      if (p.attempt >= MAX_ATTEMPTS || !rng.chance(RETRY_PROBABILITY[res.failed])) break;
      const technical = TECHNICAL.has(res.failed);
      t = res.done + Math.floor(technical ? rng.logNormal(3000, 0.6) : rng.logNormal(25_000, 0.8));
      newCard = NEW_CARD_DECLINES.has(res.failed) && p.card !== undefined;
      if (newCard) p.card = this.cardOf(h, p.attempt, c, plan.wallet);
      if (technical && plan.providers.items.length > 1 && rng.chance(0.5)) {
        const current = p.provider;
        const others = plan.providers.items.filter((x) => x !== current);
        if (others.length > 0) p.provider = rng.pick(others);
      }
      prev = res.failed;
      p.attempt++;
    }
    return p.k;
  }

  /**
   * Schedules one event of the payment's current attempt. Events of one payment share its card
   * object: treat events as read-only.
   */
  private emit(
    p: PaymentCtx,
    at: number,
    status: Status,
    latency: number,
    risk: number,
    failure?: Failure,
    amount?: number,
  ): void {
    const ev: PaymentEventInput = {
      v: 1,
      event_id: p.evPrefix + String(p.k++),
      ts: this.r.epochTs ? at : this.iso(at),
      payment_id: p.paymentId,
      attempt: p.attempt,
      merchant_id: p.merchant,
      provider: p.provider,
      method: p.method,
      channel: p.channel,
      status,
      amount_minor: amount ?? p.amount,
      currency: p.currency,
      country: p.country,
      latency_ms: Math.round(latency),
      customer_ref: p.customer,
      device_ref: p.device,
      ip_ref: p.ip,
      user_level: p.userLevel,
      risk_score: risk,
    };
    if (failure) ev.failure = failure;
    if (p.card) ev.card = p.card;
    this.heap.push({ t: at, order: this.order++, ev });
  }

  /** A customer's card: stable per customer (`slot` 0), another card after a card-data decline. */
  private cardOf(h: number, slot: number, c: CountryProfile, wallet: CardWallet | undefined): Card {
    const rng = new Rng(hash32(h, 0x77, slot));
    const issuer = rng.chance(0.06) ? rng.pick(CROSS_BORDER_ISSUERS) : c.code;
    const brand = rng.draw(c.brands);
    const ranges = cardRanges(brand, issuer);
    // Zipf-like: the first ranges of a pool carry most of the volume.
    const range = ranges[Math.floor(ranges.length * rng.next() ** 2)] ?? ranges[0];
    if (range === undefined) throw new Error('empty card range pool');
    return {
      brand: range.brand,
      bin: range.bin,
      last4: rng.digits(4),
      issuer_country: range.issuerCountry,
      funding: range.funding,
      ...(wallet ? { wallet } : {}),
    };
  }

  /** Simulates one attempt starting at `t`; emits its events; returns when it ended and how. */
  private attempt(
    rng: Rng,
    t: number,
    c: CountryProfile,
    plan: MethodPlan,
    p: PaymentCtx,
    prev: FailureCategory | null,
    newCard: boolean,
  ): AttemptResult {
    const provider = p.provider;
    const attempt = p.attempt;
    const L = LATENCY[provider];
    const spike = this.active('latency-spike', t, (i) => i.provider === provider);
    const slow = spike ? rng.logNormal(7, 0.25) : 1;
    const draw = (): number => rng.logNormal(L.median, L.sigma) * slow;
    let latency = draw();
    let risk = Math.round(60 * rng.next() ** 3);

    const threeDs =
      plan.method === 'card' &&
      (provider === 'stripe' || provider === 'adyen' || provider === 'paypal') &&
      rng.chance(c.threeDsRate);

    let failed: FailureCategory | null = null;
    const outage = this.active('provider-outage', t, (i) => i.provider === provider);
    if (outage && rng.chance(OUTAGE_FAILURE_SHARE)) {
      failed = rng.draw(OUTAGE_CATEGORIES);
    } else {
      const sticky = attempt > 1 && prev !== null && STICKY_DECLINES.has(prev) && !newCard;
      const p = sticky ? 0.7 : BASE_DECLINE_RATE[plan.method] * c.declineFactor;
      if (threeDs && rng.chance(THREE_DS_FAILURE)) failed = 'authentication_failed';
      else if (rng.chance(p)) failed = rng.draw(declineTable(plan.method));
      const from = failed;
      const shift = from !== null ? this.active('decline-shift', t, (i) => i.from === from) : undefined;
      if (shift && rng.chance(DECLINE_SHIFT_SHARE)) failed = shift.to;
    }
    if (failed === null && latency >= L.timeoutMs) failed = 'timeout';
    if (failed === 'timeout') latency = L.timeoutMs * (1 + 0.02 * rng.next());
    else if (failed === 'network_error') latency *= rng.next();
    else if (failed === 'provider_error') latency = Math.min(latency, rng.logNormal(120, 0.5));
    if (failed === 'fraud_suspected') risk = 60 + rng.int(41);
    latency = Math.max(1, latency);

    let at = t;
    if (threeDs) {
      this.emit(p, at, 'requires_action', latency, risk);
      at += Math.floor(rng.logNormal(18_000, 0.5));
      latency = failed === 'timeout' ? latency : draw();
    }
    if (plan.method === 'crypto' || plan.method === 'bank_transfer') {
      this.emit(p, at + Math.floor(latency), 'pending', latency, risk);
      at += Math.floor(rng.logNormal(plan.method === 'crypto' ? 240_000 : 120_000, 0.6));
      latency = draw();
    } else {
      at += Math.floor(latency);
    }
    if (failed !== null) {
      this.emit(p, at, 'failed', latency, risk, { category: failed, ...rawFailure(rng, provider, failed) });
      return { done: at, failed };
    }
    if (provider === 'adyen' && plan.card) {
      // Adyen reports AUTHORISATION then CAPTURE: one lifecycle event, then the outcome.
      this.emit(p, at, 'authorized', latency, risk);
      at += Math.floor(rng.logNormal(3000, 0.5));
      this.emit(p, at, 'captured', draw(), risk);
    } else {
      this.emit(p, at, 'succeeded', latency, risk);
    }
    return { done: at, failed: null };
  }

  private afterSale(rng: Rng, paidAt: number, plan: MethodPlan, p: PaymentCtx): void {
    const amount = p.amount;
    const u = rng.next();
    if (u < REFUND_P + PARTIAL_REFUND_P) {
      const at = paidAt + Math.max(60_000, Math.floor(rng.logNormal(this.r.refundDelayMs, 1)));
      const partial = u >= REFUND_P;
      const refunded = partial ? Math.max(1, Math.floor(amount * (0.2 + 0.6 * rng.next()))) : amount;
      this.emit(
        p,
        at,
        partial ? 'partially_refunded' : 'refunded',
        rng.logNormal(500, 0.4),
        0,
        undefined,
        refunded,
      );
    }
    if (plan.card && rng.chance(CHARGEBACK_P)) {
      const at = paidAt + Math.max(60_000, Math.floor(rng.logNormal(this.r.chargebackDelayMs, 0.6)));
      this.emit(p, at, 'chargeback_opened', rng.logNormal(500, 0.4), 0);
    }
  }

  /** One attempt of a card-testing burst: a new guest payment on the attacked BIN. */
  private spawnCardTest(b: Burst, arrival: number): void {
    const t0 = Math.floor(arrival);
    const n = b.n++;
    const rng = new Rng(hash32(this.r.seed, 0xc8, b.idx, n));
    const id = `${this.r.seed36}_ct${b.idx}x${n.toString(36)}`;
    const L = LATENCY.stripe;
    const latency = rng.logNormal(L.median, L.sigma);
    const at = t0 + Math.floor(latency);
    const outcome = rng.draw(CARD_TESTING_OUTCOMES);
    const attacker = hash32(this.r.seed, 0xc9, b.idx);
    const ev: PaymentEventInput = {
      v: 1,
      event_id: `evt_${id}_0`,
      ts: this.r.epochTs ? at : this.iso(at),
      payment_id: `pay_${id}`,
      attempt: 1,
      merchant_id: 'acme-store',
      provider: 'stripe',
      method: 'card',
      channel: 'web',
      amount_minor: 50 + rng.int(6) * 50 - (rng.chance(0.5) ? 1 : 0),
      currency: 'USD',
      country: 'US',
      customer_ref: `cus_guest${n.toString(36)}`,
      device_ref: `dev_${attacker.toString(36)}`,
      ip_ref: ipOf(hash32(attacker, 1)),
      user_level: 'guest',
      status: outcome === 'ok' ? 'succeeded' : 'failed',
      ...(outcome === 'ok' ? {} : { failure: { category: outcome, ...rawFailure(rng, 'stripe', outcome) } }),
      card: {
        brand: brandOfBin(b.incident.bin),
        bin: b.incident.bin,
        last4: rng.digits(4),
        issuer_country: 'US',
        funding: 'prepaid',
      },
      latency_ms: Math.round(latency),
      risk_score: 75 + rng.int(25),
    };
    this.schedule(at, ev);
  }
}

function resolve(config: GeneratorConfig, paymentsPerMs: number): Resolved {
  const seed = config.seed >>> 0;
  return {
    seed,
    seed36: seed.toString(36) + (config.idTag ?? ''),
    start: config.start,
    end: config.end ?? Infinity,
    paymentsPerMs,
    seasonal: config.seasonality ?? true,
    epochTs: config.tsFormat === 'epoch_ms',
    incidents: config.incidents ?? [],
    holidays: holidayCalendar(config.holidays ?? []),
    refundDelayMs: config.refundDelayMs ?? 2 * 3_600_000,
    chargebackDelayMs: config.chargebackDelayMs ?? 3 * 86_400_000,
  };
}

let eventsPerPaymentMemo: number | undefined;
/** Mean events per payment of the model (measured once on a fixed sample), to turn events/s into payments/s. */
export function eventsPerPayment(): number {
  if (eventsPerPaymentMemo === undefined) {
    const s = new Stream(
      resolve({ seed: 0x5eed, start: Date.UTC(2026, 0, 5), rate: 1, seasonality: false }, 1),
      1,
    );
    const n = 20_000;
    let events = 0;
    for (let i = 0; i < n; i++) events += s.spawnPayment(Date.UTC(2026, 0, 5) + i);
    eventsPerPaymentMemo = events / n;
  }
  return eventsPerPaymentMemo;
}

/** Creates a deterministic event stream. `rate` is events/s of event time; must be > 0. */
export function createGenerator(config: GeneratorConfig): EventGenerator {
  if (!(config.rate > 0) || !Number.isFinite(config.rate))
    throw new RangeError('rate must be a positive number of events/s');
  if (!Number.isFinite(config.start)) throw new RangeError('start must be epoch milliseconds');
  const perMs = config.rate / 1000;
  // A card-testing burst runs at 60% of the normal event rate on top of it (at least 1/s).
  return new Stream(resolve(config, perMs / eventsPerPayment()), Math.max(1 / 1000, 0.6 * perMs));
}

export type { Method, Channel };
