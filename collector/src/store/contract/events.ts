import type {
  CardBrand,
  Channel,
  FailureCategory,
  Method,
  PaymentEvent,
  Provider,
  Status,
} from '@paywatch/contracts';

/** A small seeded PRNG (mulberry32): the same seed always yields the same events. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Strings that break naive SQL or encoding: quotes, backslashes, a NUL, control characters,
 * astral-plane emoji (a ZWJ sequence), CJK, line/paragraph separators. Every backend must store
 * and return them byte for byte.
 */
export const AWKWARD_STRINGS = [
  "O'Brien's shop",
  'say "hello" -- ; DROP TABLE payment_events; --',
  'back\\slash \\n not a newline \\\\',
  '💳 カード 支付 ñ é ß',
  'nul\u0000inside',
  'tab\tnew\nline\rcr',
  'zwj 👩‍💻 family 👨‍👩‍👧',
  'sep\u2028\u2029end',
  "%_ like wildcards' \\'",
] as const;

/** Options for `generateEvents`. */
export interface GenerateOptions {
  seed: number;
  /** Number of payments; each has one or more attempts and several events. */
  payments: number;
  /** Start of the event-time span (epoch ms). */
  from: number;
  /** Length of the span (ms); every event's ts lies in [from, from + spanMs). */
  spanMs: number;
  /** Prefix of every id, to keep data sets apart. */
  idPrefix?: string;
  /** Event times are multiples of this (default 1000 ms) so that many events share a ts. */
  tsGranularityMs?: number;
}

const PROVIDER_METHODS: Readonly<Partial<Record<Provider, readonly Method[]>>> = {
  stripe: ['card', 'apple_pay', 'google_pay'],
  adyen: ['card', 'apple_pay', 'bank_transfer'],
  alipay: ['alipay'],
  wechatpay: ['wechat_pay'],
  unionpay: ['card'],
  coinbase: ['crypto'],
};
const PROVIDER_LIST = Object.keys(PROVIDER_METHODS) as Provider[];
const CHANNEL_LIST: readonly (Channel | null)[] = ['web', 'ios', 'android', 'mini_program', 'pos', null];
const CURRENCY_LIST = ['USD', 'EUR', 'JPY', 'KWD', 'CNY'] as const;
const COUNTRY_LIST = ['US', 'CN', 'DE', 'JP', 'BR', null] as const;
const BRAND_LIST: readonly (CardBrand | null)[] = ['visa', 'mastercard', 'jcb', 'unionpay', 'amex', null];
const USER_LEVELS = ['gold', 'silver', 'bronze', null] as const;
const MERCHANTS = ['m_alpha', 'm_beta', AWKWARD_STRINGS[0], 'm_日本'] as const;
const FAILURES: readonly { category: FailureCategory; codes: readonly (string | null)[] }[] = [
  { category: 'insufficient_funds', codes: ['51', 'insufficient_funds', null] },
  {
    category: 'do_not_honor',
    codes: ['05', 'do_not_honor', 'generic_decline', 'refused', '5', '005', 'dnh'],
  },
  { category: 'card_expired', codes: ['54'] },
  { category: 'fraud_suspected', codes: ['59', 'fraudulent', 'highest_risk'] },
  { category: 'timeout', codes: [null, 'ETIMEDOUT'] },
  { category: 'provider_error', codes: ['500', '502', '503'] },
  { category: 'authentication_failed', codes: ['3ds_failed', 'authentication_required'] },
];

/**
 * Deterministic payment events for the store contract suite: several attempts per payment,
 * lifecycle and outcome statuses, failures with raw codes, cards with and without fields,
 * nulls in every nullable field, shared timestamps and awkward strings. Sorted by nothing in
 * particular (tests must not depend on input order).
 */
export function generateEvents(o: GenerateOptions): PaymentEvent[] {
  const rnd = createRandom(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const gran = o.tsGranularityMs ?? 1000;
  const slots = Math.max(1, Math.floor(o.spanMs / gran));
  const prefix = o.idPrefix ?? '';
  const out: PaymentEvent[] = [];
  let seq = 0;
  // Random part first: id order is unrelated to generation (and attempt) order.
  const nextId = () =>
    `${prefix}evt_${Math.floor(rnd() * 36 ** 4)
      .toString(36)
      .padStart(4, '0')}_${(seq++).toString(36)}`;

  for (let p = 0; p < o.payments; p++) {
    const paymentId = `${prefix}pay_${p.toString().padStart(5, '0')}`;
    const provider = pick(PROVIDER_LIST);
    const method: Method = pick(PROVIDER_METHODS[provider] ?? (['other'] as const));
    const currency = pick(CURRENCY_LIST);
    const amount = rnd() < 0.05 ? 0 : Math.floor(rnd() * 250_000);
    const merchant = pick(MERCHANTS);
    const country = pick(COUNTRY_LIST);
    const channel = pick(CHANNEL_LIST);
    const userLevel = pick(USER_LEVELS);
    const isCard = method === 'card' || method === 'apple_pay' || method === 'google_pay';
    const card: PaymentEvent['card'] = !isCard
      ? null
      : rnd() < 0.1
        ? { brand: null, bin: null, last4: null, issuer_country: null, funding: null, wallet: null }
        : {
            brand: pick(BRAND_LIST),
            bin: rnd() < 0.85 ? pick(['424242', '555555', '35281234', '62122600', '378282']) : null,
            last4: rnd() < 0.9 ? String(1000 + Math.floor(rnd() * 9000)) : null,
            issuer_country: pick(COUNTRY_LIST),
            funding: pick(['credit', 'debit', 'prepaid', null] as const),
            wallet: method === 'apple_pay' ? 'apple_pay' : method === 'google_pay' ? 'google_pay' : null,
          };
    const attempts = 1 + Math.floor(rnd() * rnd() * 3.5);
    let slot = Math.floor(rnd() * slots);

    const base = (status: Status, attempt: number, extra: Partial<PaymentEvent> = {}): PaymentEvent => {
      const ts = o.from + Math.min(slot, slots - 1) * gran;
      slot += Math.floor(rnd() * 3); // later events of a payment come at the same time or later
      return {
        v: 1,
        event_id: nextId(),
        ts,
        received_at: ts + 50 + Math.floor(rnd() * 2000),
        source: pick(['api', 'webhook', 'replay'] as const),
        payment_id: paymentId,
        attempt,
        merchant_id: merchant,
        provider,
        method,
        channel,
        status,
        amount_minor: amount,
        currency,
        failure: null,
        card,
        country,
        latency_ms: null,
        customer_ref: rnd() < 0.7 ? `h_${Math.floor(rnd() * 1e9).toString(16)}` : null,
        device_ref: rnd() < 0.5 ? `h_${Math.floor(rnd() * 1e9).toString(16)}` : null,
        ip_ref: rnd() < 0.5 ? `h_${Math.floor(rnd() * 1e9).toString(16)}` : null,
        user_level: userLevel,
        risk_score: rnd() < 0.6 ? Math.round(rnd() * 10_000) / 100 : null,
        metadata: null,
        ...extra,
      };
    };

    for (let a = 1; a <= attempts; a++) {
      if (rnd() < 0.5) out.push(base('created', a));
      if (rnd() < 0.15) out.push(base(rnd() < 0.5 ? 'pending' : 'requires_action', a));
      const last = a === attempts;
      const r = rnd();
      const latency = rnd() < 0.1 ? null : Math.round(Math.exp(4 + rnd() * 2.5) * 1000) / 1000;
      if (!last || r < 0.3) {
        const f = pick(FAILURES);
        const failure =
          rnd() < 0.05
            ? null
            : {
                category: f.category,
                code: pick(f.codes),
                message:
                  rnd() < 0.3 ? pick(AWKWARD_STRINGS) : rnd() < 0.5 ? null : `declined (${f.category})`,
              };
        out.push(base('failed', a, { failure, latency_ms: latency }));
      } else if (r < 0.95) {
        out.push(base(rnd() < 0.7 ? 'succeeded' : 'captured', a, { latency_ms: latency }));
        if (rnd() < 0.08) out.push(base('refunded', a));
      }
      // else: the attempt ends without an outcome (abandoned); not an attempt in the KPIs.
    }
    const lastEvent = out[out.length - 1];
    if (lastEvent && rnd() < 0.15) {
      lastEvent.metadata = {
        note: pick(AWKWARD_STRINGS),
        nested: { list: [1, 'two', null, { deep: pick(AWKWARD_STRINGS) }], flag: true },
        n: Math.floor(rnd() * 1000),
      };
    }
  }
  return out;
}
