/**
 * The bounded vocabularies of a payment event. Every list is closed: metrics labels, store
 * dictionaries and dashboards rely on them. Add a value here, never ad hoc elsewhere.
 */
export const PROVIDERS = [
  'stripe',
  'adyen',
  'alipay',
  'wechatpay',
  'paypal',
  'coinbase',
  'bitpay',
  'unionpay',
  'checkout',
  'braintree',
  'worldpay',
  'klarna',
  'other',
] as const;
export type Provider = (typeof PROVIDERS)[number];

export const METHODS = [
  'card',
  'apple_pay',
  'google_pay',
  'alipay',
  'wechat_pay',
  'crypto',
  'nfc',
  'bank_transfer',
  'other',
] as const;
export type Method = (typeof METHODS)[number];

export const CHANNELS = ['web', 'ios', 'android', 'mini_program', 'pos'] as const;
export type Channel = (typeof CHANNELS)[number];

export const STATUSES = [
  'created',
  'pending',
  'requires_action',
  'authorized',
  'captured',
  'succeeded',
  'failed',
  'canceled',
  'expired',
  'refunded',
  'partially_refunded',
  'chargeback_opened',
  'chargeback_won',
  'chargeback_lost',
] as const;
export type Status = (typeof STATUSES)[number];

export const FAILURE_CATEGORIES = [
  'insufficient_funds',
  'do_not_honor',
  'card_expired',
  'invalid_card_data',
  'authentication_failed',
  'fraud_suspected',
  'limit_exceeded',
  'issuer_unavailable',
  'network_error',
  'timeout',
  'provider_error',
  'canceled_by_user',
  'other',
] as const;
export type FailureCategory = (typeof FAILURE_CATEGORIES)[number];

/**
 * The one set of names of failure categories, in English and Chinese: the dashboard's labels
 * (its `failure.*` messages) and the alert sentences (a decline-mix shift's categories in a
 * Chinese notification) both read them.
 */
export const FAILURE_CATEGORY_NAMES: Record<FailureCategory, { en: string; zh: string }> = {
  insufficient_funds: { en: 'Insufficient funds', zh: '余额不足' },
  do_not_honor: { en: 'Do not honor', zh: '发卡行拒绝' },
  card_expired: { en: 'Card expired', zh: '卡已过期' },
  invalid_card_data: { en: 'Invalid card data', zh: '卡信息无效' },
  authentication_failed: { en: 'Authentication failed', zh: '认证失败' },
  fraud_suspected: { en: 'Fraud suspected', zh: '疑似欺诈' },
  limit_exceeded: { en: 'Limit exceeded', zh: '超出限额' },
  issuer_unavailable: { en: 'Issuer unavailable', zh: '发卡行不可用' },
  network_error: { en: 'Network error', zh: '网络错误' },
  timeout: { en: 'Timeout', zh: '超时' },
  provider_error: { en: 'Provider error', zh: '渠道错误' },
  canceled_by_user: { en: 'Canceled by user', zh: '用户取消' },
  other: { en: 'Other', zh: '其他' },
};

/**
 * Failure categories caused by the payment stack rather than the shopper or the issuer.
 * The SLO burn-rate detector measures the technical success rate over these.
 */
export const TECHNICAL_FAILURE_CATEGORIES: readonly FailureCategory[] = [
  'network_error',
  'timeout',
  'provider_error',
  'issuer_unavailable',
];

export const CARD_BRANDS = ['visa', 'mastercard', 'jcb', 'unionpay', 'amex', 'discover', 'other'] as const;
export type CardBrand = (typeof CARD_BRANDS)[number];

export const CARD_FUNDING = ['credit', 'debit', 'prepaid', 'unknown'] as const;
export type CardFunding = (typeof CARD_FUNDING)[number];

export const CARD_WALLETS = ['apple_pay', 'google_pay', 'samsung_pay', 'other'] as const;
export type CardWallet = (typeof CARD_WALLETS)[number];

/** Where an event entered paywatch. */
export const SOURCES = ['api', 'webhook', 'log', 'scrape', 'faro', 'replay'] as const;
export type Source = (typeof SOURCES)[number];

/**
 * How a status counts in payment KPIs. Exactly one event per attempt should carry an outcome
 * status (`succeeded`/`captured` → success, `failed` → failure); lifecycle and after-sale
 * statuses are recorded but are not attempts.
 */
export type Outcome = 'success' | 'failure' | null;
export function outcomeOf(status: Status): Outcome {
  if (status === 'succeeded' || status === 'captured') return 'success';
  if (status === 'failed') return 'failure';
  return null;
}
export const SUCCESS_STATUSES: readonly Status[] = ['succeeded', 'captured'];
export const FAILURE_STATUSES: readonly Status[] = ['failed'];

/** Accepted spellings mapped to canonical values, applied by the normalize step (case-insensitive). */
export const ENUM_ALIASES = {
  provider: {
    wechat: 'wechatpay',
    wechat_pay: 'wechatpay',
    weixin: 'wechatpay',
    coinbase_commerce: 'coinbase',
    union_pay: 'unionpay',
    cup: 'unionpay',
  },
  method: {
    applepay: 'apple_pay',
    googlepay: 'google_pay',
    gpay: 'google_pay',
    wechat: 'wechat_pay',
    wechatpay: 'wechat_pay',
    weixin: 'wechat_pay',
    cards: 'card',
    credit_card: 'card',
    debit_card: 'card',
    bank: 'bank_transfer',
    sepa: 'bank_transfer',
    contactless: 'nfc',
  },
  channel: {
    mobile_web: 'web',
    desktop: 'web',
    miniprogram: 'mini_program',
    mini_app: 'mini_program',
    in_store: 'pos',
  },
  status: {
    success: 'succeeded',
    successful: 'succeeded',
    paid: 'succeeded',
    completed: 'succeeded',
    complete: 'succeeded',
    settled: 'captured',
    declined: 'failed',
    refused: 'failed',
    failure: 'failed',
    error: 'failed',
    cancelled: 'canceled',
    voided: 'canceled',
    authorised: 'authorized',
    requires_payment_method: 'failed',
    processing: 'pending',
    disputed: 'chargeback_opened',
  },
  card_brand: {
    master: 'mastercard',
    mc: 'mastercard',
    american_express: 'amex',
    americanexpress: 'amex',
    cup: 'unionpay',
    union_pay: 'unionpay',
    china_union_pay: 'unionpay',
    diners: 'other',
    discover_diners: 'discover',
  },
} as const satisfies Record<string, Record<string, string>>;
