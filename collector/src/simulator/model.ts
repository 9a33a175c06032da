import type {
  CardBrand,
  CardFunding,
  CardWallet,
  Channel,
  FailureCategory,
  Method,
  Provider,
} from '@paywatch/contracts';
import { Rng, weighted, type Weighted } from './prng.js';

/**
 * The simulator's world: countries, their payment habits, card ranges, provider behaviour and
 * decline vocabularies. Pure data plus tiny lookups; the generator turns it into events.
 * Numbers are plausible orders of magnitude from public payment reports, not measurements.
 */

// ---------------------------------------------------------------------------------------------
// Seasonality
// ---------------------------------------------------------------------------------------------

/** Relative volume by local hour (0–23) on a weekday: night trough ~04:00, evening peak ~20:00. */
const WEEKDAY_HOURS = [
  0.45, 0.3, 0.22, 0.18, 0.17, 0.22, 0.35, 0.55, 0.75, 0.9, 1.0, 1.08, 1.15, 1.1, 1.05, 1.05, 1.1, 1.2, 1.35,
  1.5, 1.6, 1.55, 1.25, 0.8,
];
/** Weekend: people sleep in (slow morning), shop through the afternoon, late evening stays busy. */
const WEEKEND_HOURS = [
  0.6, 0.42, 0.3, 0.22, 0.18, 0.18, 0.22, 0.32, 0.48, 0.7, 0.95, 1.15, 1.3, 1.35, 1.35, 1.3, 1.3, 1.32, 1.4,
  1.5, 1.55, 1.5, 1.3, 0.95,
];
/** Day factor, Monday first: volume climbs through the week, Saturday is the busiest, Sunday dips. */
const DAY_FACTOR = [0.94, 0.96, 0.98, 1.0, 1.08, 1.1, 0.94];

/** 168 hourly factors from Monday 00:00 local, normalized to mean 1. */
const WEEK: Float64Array = (() => {
  const w = new Float64Array(168);
  for (let d = 0; d < 7; d++) {
    const hours = d >= 5 ? WEEKEND_HOURS : WEEKDAY_HOURS;
    for (let h = 0; h < 24; h++) w[d * 24 + h] = (hours[h] as number) * (DAY_FACTOR[d] as number);
  }
  const mean = w.reduce((s, v) => s + v, 0) / 168;
  for (let i = 0; i < 168; i++) w[i] = (w[i] as number) / mean;
  return w;
})();

/** The largest value `seasonality` can return (used to thin a Poisson process). */
export const SEASONALITY_MAX = Math.max(...WEEK);

const HOUR_MS = 3_600_000;

/**
 * Relative payment volume (mean 1 over a week) at epoch ms `t` for a country whose local time is
 * UTC + `utcOffsetH`. Linear between hour centres so the curve has no steps. With `asSunday`
 * (a public holiday) the day follows Sunday's curve whatever its weekday.
 */
export function seasonality(t: number, utcOffsetH: number, asSunday = false): number {
  // 1970-01-01 was a Thursday: +72 h makes hour 0 a Monday 00:00.
  const x = t / HOUR_MS + utcOffsetH + 72 - 0.5;
  const base = Math.floor(x);
  const f = x - base;
  let i = ((base % 168) + 168) % 168;
  if (asSunday) i = 144 + (i % 24);
  const a = WEEK[i] as number;
  const b = WEEK[asSunday ? 144 + ((i + 1) % 24) : (i + 1) % 168] as number;
  return a + (b - a) * f;
}

/** Local hour of day (0–23) and ISO weekday (1 = Monday … 7 = Sunday) at `t`. */
export function localTime(t: number, utcOffsetH: number): { hour: number; weekday: number } {
  const h = Math.floor(t / HOUR_MS + utcOffsetH);
  const how = (((h + 72) % 168) + 168) % 168;
  return { hour: how % 24, weekday: Math.floor(how / 24) + 1 };
}

// ---------------------------------------------------------------------------------------------
// Cards
// ---------------------------------------------------------------------------------------------

/** Issuer identification number prefixes per brand (ISO/IEC 7812 ranges as the networks publish). */
const BRAND_PREFIXES: Record<Exclude<CardBrand, 'other'>, readonly string[]> = {
  visa: ['4'],
  mastercard: ['51', '52', '53', '54', '55', '2221', '2300', '2720'],
  amex: ['34', '37'],
  discover: ['6011', '644', '645', '649', '65'],
  jcb: ['3528', '3540', '3563', '3569', '3589'],
  unionpay: ['62', '621', '622', '624', '625'],
};

export type KnownBrand = Exclude<CardBrand, 'other'>;

/** True when `bin` lies in one of `brand`'s prefix ranges (tests use this). */
export function binMatchesBrand(bin: string, brand: KnownBrand): boolean {
  if (brand === 'mastercard') {
    const two = Number(bin.slice(0, 2));
    const four = Number(bin.slice(0, 4));
    return (two >= 51 && two <= 55) || (four >= 2221 && four <= 2720);
  }
  if (brand === 'jcb') {
    const four = Number(bin.slice(0, 4));
    return four >= 3528 && four <= 3589;
  }
  if (brand === 'discover') {
    return bin.startsWith('6011') || bin.startsWith('65') || /^64[4-9]/.test(bin);
  }
  return BRAND_PREFIXES[brand].some((p) => bin.startsWith(p));
}

/** A card range as an issuer would own it: BIN, brand, issuing country, funding. */
export interface CardRange {
  bin: string;
  brand: KnownBrand;
  issuerCountry: string;
  funding: CardFunding;
}

/**
 * A fixed pool of BINs per (brand, issuing country): BIN cardinality stays bounded and
 * realistic (a few dozen ranges dominate real traffic). Built from a fixed seed, so the pool is
 * the same for every run; the run's seed decides which ranges are used how often.
 */
const binPool = new Map<string, CardRange[]>();
export function cardRanges(brand: KnownBrand, issuerCountry: string): CardRange[] {
  const key = `${brand}:${issuerCountry}`;
  let pool = binPool.get(key);
  if (!pool) {
    const rng = new Rng(
      [...key].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 0x01000193), 0x811c9dc5) >>> 0,
    );
    const funding = FUNDING_BY_COUNTRY[issuerCountry] ?? DEFAULT_FUNDING;
    pool = [];
    for (let i = 0; i < 8; i++) {
      const prefix = rng.pick(BRAND_PREFIXES[brand]);
      pool.push({
        bin: prefix + rng.digits(6 - prefix.length),
        brand,
        issuerCountry,
        funding: rng.draw(funding),
      });
    }
    binPool.set(key, pool);
  }
  return pool;
}

const DEFAULT_FUNDING = weighted<CardFunding>([
  ['credit', 0.5],
  ['debit', 0.45],
  ['prepaid', 0.05],
]);
const FUNDING_BY_COUNTRY: Record<string, Weighted<CardFunding>> = {
  US: weighted([
    ['credit', 0.55],
    ['debit', 0.4],
    ['prepaid', 0.05],
  ]),
  JP: weighted([
    ['credit', 0.85],
    ['debit', 0.12],
    ['prepaid', 0.03],
  ]),
  CN: weighted([
    ['debit', 0.7],
    ['credit', 0.3],
  ]),
  DE: weighted([
    ['debit', 0.65],
    ['credit', 0.3],
    ['prepaid', 0.05],
  ]),
  NL: weighted([
    ['debit', 0.7],
    ['credit', 0.25],
    ['prepaid', 0.05],
  ]),
};

// ---------------------------------------------------------------------------------------------
// Countries and how people pay there
// ---------------------------------------------------------------------------------------------

/** How one payment method is offered in a country: who processes it and on which channels. */
export interface MethodPlan {
  method: Method;
  providers: Weighted<Provider>;
  channels: Weighted<Channel>;
  /** Methods backed by a card (cards, wallets holding a card, contactless) carry a `card` object. */
  card: boolean;
  wallet?: CardWallet;
}

/** One market: its share of volume, currency, local time, ticket sizes and method mix. */
export interface CountryProfile {
  code: string;
  currency: string;
  utcOffsetH: number;
  share: number;
  /** Log-normal ticket size in major units. */
  ticketMedian: number;
  ticketSigma: number;
  /** Round amounts to this many minor units (JPY to 10 yen, KWD to 5 fils…). */
  amountStep: number;
  methods: Weighted<MethodPlan>;
  brands: Weighted<KnownBrand>;
  /** Share of card attempts that get a 3-D Secure challenge (SCA in the EEA/UK, mandated in JP). */
  threeDsRate: number;
  merchants: Weighted<string>;
  /** Multiplies the base decline rate (issuer behaviour differs by market). */
  declineFactor: number;
}

const web = weighted<Channel>([
  ['web', 0.55],
  ['ios', 0.2],
  ['android', 0.25],
]);
const iosApp = weighted<Channel>([
  ['ios', 0.8],
  ['web', 0.2],
]);
const androidApp = weighted<Channel>([
  ['android', 0.85],
  ['web', 0.15],
]);
const webOnly = weighted<Channel>([['web', 1]]);
const pos = weighted<Channel>([['pos', 1]]);

const westernCardProviders = weighted<Provider>([
  ['stripe', 0.5],
  ['adyen', 0.32],
  ['paypal', 0.18],
]);
const walletProviders = weighted<Provider>([
  ['stripe', 0.6],
  ['adyen', 0.4],
]);
const cryptoProviders = weighted<Provider>([
  ['coinbase', 0.6],
  ['bitpay', 0.4],
]);

function westernMethods(opts: {
  card: number;
  apple: number;
  google: number;
  crypto: number;
  nfc: number;
  bank: number;
}) {
  return weighted<MethodPlan>([
    [{ method: 'card', providers: westernCardProviders, channels: web, card: true }, opts.card],
    [
      { method: 'apple_pay', providers: walletProviders, channels: iosApp, card: true, wallet: 'apple_pay' },
      opts.apple,
    ],
    [
      {
        method: 'google_pay',
        providers: walletProviders,
        channels: androidApp,
        card: true,
        wallet: 'google_pay',
      },
      opts.google,
    ],
    [{ method: 'crypto', providers: cryptoProviders, channels: webOnly, card: false }, opts.crypto],
    [
      {
        method: 'nfc',
        providers: weighted<Provider>([
          ['adyen', 0.7],
          ['stripe', 0.3],
        ]),
        channels: pos,
        card: true,
      },
      opts.nfc,
    ],
    [
      {
        method: 'bank_transfer',
        providers: weighted<Provider>([['adyen', 1]]),
        channels: webOnly,
        card: false,
      },
      opts.bank,
    ],
  ]);
}

const euBrands = weighted<KnownBrand>([
  ['visa', 0.55],
  ['mastercard', 0.38],
  ['amex', 0.05],
  ['jcb', 0.01],
  ['unionpay', 0.01],
]);
const euMethods = westernMethods({
  card: 0.58,
  apple: 0.18,
  google: 0.1,
  crypto: 0.02,
  nfc: 0.08,
  bank: 0.04,
});
const euMerchants = weighted([
  ['acme-store', 0.45],
  ['fjord-travel', 0.25],
  ['city-cafe', 0.15],
  ['neko-games', 0.15],
]);

/** The simulated markets. Shares are normalized by the generator. */
export const COUNTRIES: readonly CountryProfile[] = [
  {
    code: 'US',
    currency: 'USD',
    utcOffsetH: -5,
    share: 0.3,
    ticketMedian: 42,
    ticketSigma: 0.95,
    amountStep: 1,
    methods: westernMethods({ card: 0.6, apple: 0.2, google: 0.1, crypto: 0.03, nfc: 0.07, bank: 0 }),
    brands: weighted<KnownBrand>([
      ['visa', 0.5],
      ['mastercard', 0.26],
      ['amex', 0.15],
      ['discover', 0.08],
      ['jcb', 0.005],
      ['unionpay', 0.005],
    ]),
    threeDsRate: 0.05,
    declineFactor: 1.05,
    merchants: weighted([
      ['acme-store', 0.5],
      ['city-cafe', 0.2],
      ['neko-games', 0.15],
      ['fjord-travel', 0.15],
    ]),
  },
  {
    code: 'CA',
    currency: 'CAD',
    utcOffsetH: -5,
    share: 0.04,
    ticketMedian: 50,
    ticketSigma: 0.9,
    amountStep: 1,
    methods: westernMethods({ card: 0.65, apple: 0.18, google: 0.1, crypto: 0.02, nfc: 0.05, bank: 0 }),
    brands: weighted<KnownBrand>([
      ['visa', 0.55],
      ['mastercard', 0.35],
      ['amex', 0.1],
    ]),
    threeDsRate: 0.06,
    declineFactor: 1,
    merchants: weighted([
      ['acme-store', 0.7],
      ['fjord-travel', 0.3],
    ]),
  },
  {
    code: 'GB',
    currency: 'GBP',
    utcOffsetH: 0,
    share: 0.08,
    ticketMedian: 34,
    ticketSigma: 0.9,
    amountStep: 1,
    methods: euMethods,
    brands: euBrands,
    threeDsRate: 0.4,
    declineFactor: 0.95,
    merchants: euMerchants,
  },
  {
    code: 'DE',
    currency: 'EUR',
    utcOffsetH: 1,
    share: 0.08,
    ticketMedian: 39,
    ticketSigma: 0.9,
    amountStep: 1,
    methods: euMethods,
    brands: euBrands,
    threeDsRate: 0.45,
    declineFactor: 0.9,
    merchants: euMerchants,
  },
  {
    code: 'FR',
    currency: 'EUR',
    utcOffsetH: 1,
    share: 0.05,
    ticketMedian: 37,
    ticketSigma: 0.9,
    amountStep: 1,
    methods: euMethods,
    brands: euBrands,
    threeDsRate: 0.45,
    declineFactor: 0.95,
    merchants: euMerchants,
  },
  {
    code: 'NL',
    currency: 'EUR',
    utcOffsetH: 1,
    share: 0.03,
    ticketMedian: 36,
    ticketSigma: 0.9,
    amountStep: 1,
    methods: westernMethods({ card: 0.4, apple: 0.17, google: 0.08, crypto: 0.02, nfc: 0.1, bank: 0.23 }),
    brands: euBrands,
    threeDsRate: 0.45,
    declineFactor: 0.9,
    merchants: euMerchants,
  },
  {
    code: 'CN',
    currency: 'CNY',
    utcOffsetH: 8,
    share: 0.2,
    ticketMedian: 95,
    ticketSigma: 1.0,
    amountStep: 1,
    methods: weighted<MethodPlan>([
      [
        {
          method: 'alipay',
          providers: weighted<Provider>([['alipay', 1]]),
          channels: weighted<Channel>([
            ['mini_program', 0.3],
            ['ios', 0.3],
            ['android', 0.35],
            ['web', 0.05],
          ]),
          card: false,
        },
        0.48,
      ],
      [
        {
          method: 'wechat_pay',
          providers: weighted<Provider>([['wechatpay', 1]]),
          channels: weighted<Channel>([
            ['mini_program', 0.6],
            ['ios', 0.17],
            ['android', 0.2],
            ['web', 0.03],
          ]),
          card: false,
        },
        0.38,
      ],
      [
        {
          method: 'card',
          providers: weighted<Provider>([
            ['unionpay', 0.85],
            ['adyen', 0.15],
          ]),
          channels: web,
          card: true,
        },
        0.14,
      ],
    ]),
    brands: weighted<KnownBrand>([
      ['unionpay', 0.85],
      ['visa', 0.08],
      ['mastercard', 0.05],
      ['jcb', 0.02],
    ]),
    threeDsRate: 0,
    declineFactor: 1,
    merchants: weighted([
      ['panda-mall', 0.7],
      ['neko-games', 0.2],
      ['acme-store', 0.1],
    ]),
  },
  {
    code: 'JP',
    currency: 'JPY',
    utcOffsetH: 9,
    share: 0.12,
    ticketMedian: 3800,
    ticketSigma: 0.95,
    amountStep: 10,
    methods: weighted<MethodPlan>([
      [
        {
          method: 'card',
          providers: weighted<Provider>([
            ['stripe', 0.45],
            ['adyen', 0.45],
            ['paypal', 0.1],
          ]),
          channels: weighted<Channel>([
            ['web', 0.65],
            ['ios', 0.2],
            ['android', 0.15],
          ]),
          card: true,
        },
        0.78,
      ],
      [
        {
          method: 'apple_pay',
          providers: walletProviders,
          channels: iosApp,
          card: true,
          wallet: 'apple_pay',
        },
        0.14,
      ],
      [
        {
          method: 'google_pay',
          providers: walletProviders,
          channels: androidApp,
          card: true,
          wallet: 'google_pay',
        },
        0.03,
      ],
      [{ method: 'nfc', providers: weighted<Provider>([['adyen', 1]]), channels: pos, card: true }, 0.05],
    ]),
    brands: weighted<KnownBrand>([
      ['jcb', 0.38],
      ['visa', 0.36],
      ['mastercard', 0.2],
      ['amex', 0.06],
    ]),
    threeDsRate: 0.3,
    declineFactor: 0.85,
    merchants: weighted([
      ['neko-games', 0.6],
      ['acme-store', 0.3],
      ['fjord-travel', 0.1],
    ]),
  },
  {
    code: 'KW',
    currency: 'KWD',
    utcOffsetH: 3,
    share: 0.02,
    ticketMedian: 14,
    ticketSigma: 0.9,
    amountStep: 5,
    methods: weighted<MethodPlan>([
      [
        {
          method: 'card',
          providers: weighted<Provider>([
            ['adyen', 0.6],
            ['stripe', 0.4],
          ]),
          channels: web,
          card: true,
        },
        0.72,
      ],
      [
        {
          method: 'apple_pay',
          providers: walletProviders,
          channels: iosApp,
          card: true,
          wallet: 'apple_pay',
        },
        0.28,
      ],
    ]),
    brands: weighted<KnownBrand>([
      ['visa', 0.6],
      ['mastercard', 0.33],
      ['amex', 0.07],
    ]),
    threeDsRate: 0.35,
    declineFactor: 1.2,
    merchants: weighted([
      ['desert-electronics', 0.8],
      ['acme-store', 0.2],
    ]),
  },
  {
    code: 'AU',
    currency: 'AUD',
    utcOffsetH: 10,
    share: 0.04,
    ticketMedian: 55,
    ticketSigma: 0.9,
    amountStep: 1,
    methods: westernMethods({ card: 0.55, apple: 0.22, google: 0.1, crypto: 0.03, nfc: 0.1, bank: 0 }),
    brands: weighted<KnownBrand>([
      ['visa', 0.55],
      ['mastercard', 0.33],
      ['amex', 0.12],
    ]),
    threeDsRate: 0.1,
    declineFactor: 1,
    merchants: weighted([
      ['acme-store', 0.6],
      ['fjord-travel', 0.4],
    ]),
  },
];

/** Codes of the simulated markets (what `--holiday … :CC,CC` accepts). */
export const COUNTRY_CODES: readonly string[] = COUNTRIES.map((c) => c.code);

/** Issuing countries for cross-border cards (a card issued elsewhere than where it is used). */
export const CROSS_BORDER_ISSUERS = ['US', 'GB', 'DE', 'CN', 'JP', 'FR', 'SG', 'AE'] as const;

// ---------------------------------------------------------------------------------------------
// Providers: latency and declines
// ---------------------------------------------------------------------------------------------

/** Log-normal API latency per provider (median ms, sigma) and its client timeout. */
export const LATENCY: Record<Provider, { median: number; sigma: number; timeoutMs: number }> = {
  stripe: { median: 420, sigma: 0.45, timeoutMs: 30_000 },
  adyen: { median: 360, sigma: 0.4, timeoutMs: 30_000 },
  paypal: { median: 680, sigma: 0.5, timeoutMs: 30_000 },
  alipay: { median: 290, sigma: 0.5, timeoutMs: 15_000 },
  wechatpay: { median: 260, sigma: 0.5, timeoutMs: 15_000 },
  unionpay: { median: 580, sigma: 0.55, timeoutMs: 30_000 },
  coinbase: { median: 900, sigma: 0.6, timeoutMs: 30_000 },
  bitpay: { median: 1100, sigma: 0.6, timeoutMs: 30_000 },
  checkout: { median: 400, sigma: 0.45, timeoutMs: 30_000 },
  braintree: { median: 500, sigma: 0.45, timeoutMs: 30_000 },
  worldpay: { median: 550, sigma: 0.5, timeoutMs: 30_000 },
  klarna: { median: 700, sigma: 0.5, timeoutMs: 30_000 },
  other: { median: 600, sigma: 0.6, timeoutMs: 30_000 },
};

/** Base probability that an attempt with this method fails (before market and retry effects). */
export const BASE_DECLINE_RATE: Record<Method, number> = {
  card: 0.06,
  apple_pay: 0.03,
  google_pay: 0.04,
  alipay: 0.03,
  wechat_pay: 0.03,
  crypto: 0.08,
  nfc: 0.025,
  bank_transfer: 0.04,
  other: 0.05,
};

/** Why card attempts fail (without 3-D Secure failures, which come from the challenge itself). */
const CARD_DECLINES = weighted<FailureCategory>([
  ['insufficient_funds', 0.3],
  ['do_not_honor', 0.27],
  ['invalid_card_data', 0.09],
  ['card_expired', 0.06],
  ['fraud_suspected', 0.06],
  ['limit_exceeded', 0.05],
  ['issuer_unavailable', 0.04],
  ['network_error', 0.025],
  ['timeout', 0.02],
  ['provider_error', 0.015],
  ['canceled_by_user', 0.03],
  ['other', 0.01],
]);
const WALLET_DECLINES = weighted<FailureCategory>([
  ['insufficient_funds', 0.35],
  ['canceled_by_user', 0.3],
  ['limit_exceeded', 0.1],
  ['fraud_suspected', 0.08],
  ['timeout', 0.07],
  ['network_error', 0.05],
  ['provider_error', 0.05],
]);
const CRYPTO_DECLINES = weighted<FailureCategory>([
  ['canceled_by_user', 0.55],
  ['timeout', 0.15],
  ['insufficient_funds', 0.15],
  ['network_error', 0.1],
  ['provider_error', 0.05],
]);
const BANK_DECLINES = weighted<FailureCategory>([
  ['insufficient_funds', 0.4],
  ['canceled_by_user', 0.35],
  ['do_not_honor', 0.15],
  ['provider_error', 0.1],
]);

/** Decline categories for a method. */
export function declineTable(method: Method): Weighted<FailureCategory> {
  switch (method) {
    case 'alipay':
    case 'wechat_pay':
      return WALLET_DECLINES;
    case 'crypto':
      return CRYPTO_DECLINES;
    case 'bank_transfer':
      return BANK_DECLINES;
    default:
      return CARD_DECLINES;
  }
}

/** Probability that a shopper (or the merchant's retry logic) tries again after this failure. */
export const RETRY_PROBABILITY: Record<FailureCategory, number> = {
  insufficient_funds: 0.25,
  do_not_honor: 0.35,
  card_expired: 0.3,
  invalid_card_data: 0.6,
  authentication_failed: 0.5,
  fraud_suspected: 0.1,
  limit_exceeded: 0.2,
  issuer_unavailable: 0.6,
  network_error: 0.7,
  timeout: 0.6,
  provider_error: 0.7,
  canceled_by_user: 0.3,
  other: 0.3,
};

/** Failures where a retry with the same card is likely to be declined again by the issuer. */
export const STICKY_DECLINES: ReadonlySet<FailureCategory> = new Set([
  'insufficient_funds',
  'do_not_honor',
  'fraud_suspected',
  'limit_exceeded',
]);
/** Failures after which the shopper usually enters another card. */
export const NEW_CARD_DECLINES: ReadonlySet<FailureCategory> = new Set(['card_expired', 'invalid_card_data']);
/** Failures of the payment stack: a merchant router may fail over to another provider. */
export const TECHNICAL: ReadonlySet<FailureCategory> = new Set([
  'network_error',
  'timeout',
  'provider_error',
  'issuer_unavailable',
]);

type Code = readonly [code: string, message: string];

/**
 * Raw failure codes as each provider reports them (Stripe decline codes, Adyen refusal reasons,
 * PayPal processor responses, Alipay/WeChat Pay/UnionPay result codes, crypto invoice states).
 */
const PROVIDER_CODES: Partial<Record<Provider, Partial<Record<FailureCategory, readonly Code[]>>>> = {
  stripe: {
    insufficient_funds: [['insufficient_funds', 'Your card has insufficient funds.']],
    do_not_honor: [
      ['do_not_honor', 'Your card was declined.'],
      ['generic_decline', 'Your card was declined.'],
    ],
    card_expired: [['expired_card', 'Your card has expired.']],
    invalid_card_data: [
      ['incorrect_cvc', "Your card's security code is incorrect."],
      ['incorrect_number', 'Your card number is incorrect.'],
      ['invalid_expiry_year', "Your card's expiration year is invalid."],
    ],
    authentication_failed: [
      ['payment_intent_authentication_failure', 'The provided PaymentMethod has failed authentication.'],
    ],
    fraud_suspected: [
      ['fraudulent', 'Your card was declined.'],
      ['stolen_card', 'Your card was declined.'],
      ['lost_card', 'Your card was declined.'],
    ],
    limit_exceeded: [
      [
        'card_velocity_exceeded',
        'Your card was declined for making repeated attempts too frequently or exceeding its amount limit.',
      ],
    ],
    issuer_unavailable: [['issuer_not_available', 'The card issuer could not be reached.']],
    network_error: [['api_connection_error', 'Network communication with Stripe failed.']],
    timeout: [['ETIMEDOUT', 'Request to api.stripe.com timed out.']],
    provider_error: [
      ['api_error', "An unexpected error occurred on Stripe's end."],
      ['processing_error', 'An error occurred while processing your card.'],
    ],
    canceled_by_user: [['abandoned', 'The customer abandoned the payment.']],
  },
  adyen: {
    insufficient_funds: [['Not enough balance', 'refusalReasonCode 12']],
    do_not_honor: [
      ['Refused', 'refusalReasonCode 2'],
      ['Declined Non Generic', 'refusalReasonCode 27'],
    ],
    card_expired: [['Expired Card', 'refusalReasonCode 6']],
    invalid_card_data: [
      ['CVC Declined', 'refusalReasonCode 24'],
      ['Invalid Card Number', 'refusalReasonCode 8'],
    ],
    authentication_failed: [['3D Not Authenticated', 'refusalReasonCode 11']],
    fraud_suspected: [
      ['FRAUD', 'refusalReasonCode 20'],
      ['Issuer Suspected Fraud', 'refusalReasonCode 31'],
      ['Blocked Card', 'refusalReasonCode 5'],
    ],
    limit_exceeded: [
      ['Withdrawal amount exceeded', 'refusalReasonCode 28'],
      ['Withdrawal count exceeded', 'refusalReasonCode 29'],
    ],
    issuer_unavailable: [['Issuer Unavailable', 'refusalReasonCode 9']],
    network_error: [['ECONNRESET', 'Connection to checkout-live.adyen.com reset.']],
    timeout: [['ETIMEDOUT', 'Request to checkout-live.adyen.com timed out.']],
    provider_error: [['Acquirer Error', 'refusalReasonCode 4']],
    canceled_by_user: [['Shopper Cancelled', 'refusalReasonCode 16']],
    other: [['Not Submitted', 'refusalReasonCode 21']],
  },
  paypal: {
    insufficient_funds: [['0051', 'INSUFFICIENT_FUNDS']],
    do_not_honor: [
      ['0005', 'DO_NOT_HONOR'],
      ['INSTRUMENT_DECLINED', 'The instrument presented was declined.'],
    ],
    card_expired: [['0054', 'EXPIRED_CARD']],
    invalid_card_data: [
      ['00N7', 'CVV2_FAILURE'],
      ['1330', 'INVALID_ACCOUNT'],
    ],
    authentication_failed: [['PAYER_ACTION_REQUIRED', '3-D Secure authentication failed.']],
    fraud_suspected: [
      ['0059', 'SUSPECTED_FRAUD'],
      ['9500', 'SUSPECTED_FRAUD'],
    ],
    limit_exceeded: [['0061', 'EXCEEDS_WITHDRAWAL_LIMIT']],
    issuer_unavailable: [['0091', 'ISSUER_UNAVAILABLE']],
    network_error: [['ECONNRESET', 'Connection to api-m.paypal.com reset.']],
    timeout: [['ETIMEDOUT', 'Request to api-m.paypal.com timed out.']],
    provider_error: [['INTERNAL_SERVER_ERROR', 'An internal server error occurred.']],
    canceled_by_user: [['PAYER_CANCELLED', 'The payer cancelled the approval.']],
  },
  alipay: {
    insufficient_funds: [
      ['ACQ.BUYER_BALANCE_NOT_ENOUGH', '买家余额不足'],
      ['ACQ.BUYER_BANKCARD_BALANCE_NOT_ENOUGH', '买家银行卡余额不足'],
    ],
    limit_exceeded: [['ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR', '买家付款日限额超限']],
    fraud_suspected: [['ACQ.PAYMENT_REQUEST_HAS_RISK', '支付存在风险']],
    canceled_by_user: [['ACQ.TRADE_HAS_CLOSE', '交易已经关闭']],
    timeout: [['ETIMEDOUT', 'Request to openapi.alipay.com timed out.']],
    network_error: [['ECONNRESET', 'Connection to openapi.alipay.com reset.']],
    provider_error: [['ACQ.SYSTEM_ERROR', '系统错误']],
  },
  wechatpay: {
    insufficient_funds: [['NOTENOUGH', '余额不足']],
    limit_exceeded: [['PAYERROR', '支付限额超限']],
    fraud_suspected: [['TRADE_ERROR', '交易错误(风控)']],
    canceled_by_user: [['ORDERCLOSED', '订单已关闭']],
    timeout: [['ETIMEDOUT', 'Request to api.mch.weixin.qq.com timed out.']],
    network_error: [['ECONNRESET', 'Connection to api.mch.weixin.qq.com reset.']],
    provider_error: [['SYSTEMERROR', '系统超时']],
  },
  unionpay: {
    insufficient_funds: [['51', 'Insufficient funds']],
    do_not_honor: [['05', 'Do not honour']],
    card_expired: [['54', 'Expired card']],
    invalid_card_data: [
      ['14', 'Invalid card number'],
      ['55', 'Incorrect PIN'],
    ],
    fraud_suspected: [['59', 'Suspected fraud']],
    limit_exceeded: [['61', 'Exceeds withdrawal amount limit']],
    issuer_unavailable: [['91', 'Issuer or switch inoperative']],
    network_error: [['ECONNRESET', 'Connection to gateway.95516.com reset.']],
    timeout: [['98', 'Response not received in time']],
    provider_error: [['96', 'System malfunction']],
    canceled_by_user: [['CANCELED', 'Cardholder cancelled']],
  },
  coinbase: {
    canceled_by_user: [['EXPIRED', 'Charge expired before payment was detected.']],
    insufficient_funds: [['UNDERPAID', 'Payment was less than the charge amount.']],
    timeout: [['UNRESOLVED', 'Payment not confirmed on chain in time.']],
    network_error: [['ECONNRESET', 'Connection to api.commerce.coinbase.com reset.']],
    provider_error: [['internal_server_error', 'Internal server error.']],
  },
  bitpay: {
    canceled_by_user: [['expired', 'Invoice expired.']],
    insufficient_funds: [['paidPartial', 'Invoice was underpaid.']],
    timeout: [['invalid', 'Invoice not confirmed in time.']],
    network_error: [['ECONNRESET', 'Connection to bitpay.com reset.']],
    provider_error: [['500', 'Internal server error.']],
  },
};

/** A raw provider code and message for a normalized failure category. */
export function rawFailure(
  rng: Rng,
  provider: Provider,
  category: FailureCategory,
): { code: string; message: string } {
  const options = PROVIDER_CODES[provider]?.[category];
  if (options && options.length > 0) {
    const [code, message] = rng.pick(options);
    return { code, message };
  }
  return { code: category, message: category.replace(/_/g, ' ') };
}

/** Merchant user tiers; the split is per customer, stable for a run. */
export const USER_LEVELS = weighted([
  ['guest', 0.3],
  ['member', 0.55],
  ['vip', 0.15],
]);
