import type { SummaryLocale, SummaryMessage } from './alert-summary.js';
import { DIMENSIONS, type Dimension } from './dimensions.js';
import {
  FAILURE_CATEGORY_NAMES,
  type CardFunding,
  type CardWallet,
  type Channel,
  type Method,
  type Status,
} from './enums.js';
import { formatMessage } from './plural.js';

// The one set of names people read for an alert's labels and contributing dimensions, in English
// and Chinese: "Failure category: Provider error · 331 failures", "BIN: small ones pooled" — not
// the engine's keys (`failure_category=provider_error`, `bin=_pooled`). The dashboard (its alert
// pages and its `dim.*` / `status.*` labels) and the chat and email messages (alerts/src/notify)
// both read them. Silences, URLs, the API and machine payloads (Alertmanager JSON) keep the keys.

type Names<V extends string> = Record<V, Record<SummaryLocale, string>>;

/** Names of the read-API dimensions. */
export const DIMENSION_NAMES: Names<Dimension> = {
  provider: { en: 'Provider', zh: '渠道' },
  method: { en: 'Method', zh: '支付方式' },
  channel: { en: 'Channel', zh: '终端' },
  status: { en: 'Status', zh: '状态' },
  country: { en: 'Country', zh: '国家' },
  currency: { en: 'Currency', zh: '币种' },
  merchant_id: { en: 'Merchant', zh: '商户' },
  card_brand: { en: 'Card brand', zh: '卡组织' },
  card_bin: { en: 'BIN', zh: 'BIN' },
  card_issuer_country: { en: 'Issuer country', zh: '发卡国家' },
  card_wallet: { en: 'Wallet', zh: '钱包' },
  failure_category: { en: 'Failure category', zh: '失败类别' },
  user_level: { en: 'User level', zh: '用户等级' },
};

/** Names of payment statuses. */
export const STATUS_NAMES: Names<Status> = {
  created: { en: 'Created', zh: '已创建' },
  pending: { en: 'Pending', zh: '处理中' },
  requires_action: { en: 'Requires action', zh: '需要操作' },
  authorized: { en: 'Authorized', zh: '已授权' },
  captured: { en: 'Captured', zh: '已请款' },
  succeeded: { en: 'Succeeded', zh: '成功' },
  failed: { en: 'Failed', zh: '失败' },
  canceled: { en: 'Canceled', zh: '已取消' },
  expired: { en: 'Expired', zh: '已过期' },
  refunded: { en: 'Refunded', zh: '已退款' },
  partially_refunded: { en: 'Partially refunded', zh: '部分退款' },
  chargeback_opened: { en: 'Chargeback opened', zh: '拒付已发起' },
  chargeback_won: { en: 'Chargeback won', zh: '拒付胜诉' },
  chargeback_lost: { en: 'Chargeback lost', zh: '拒付败诉' },
};

/** Names of payment methods (wallet brands are proper names in both languages). */
export const METHOD_NAMES: Names<Method> = {
  card: { en: 'Card', zh: '银行卡' },
  apple_pay: { en: 'Apple Pay', zh: 'Apple Pay' },
  google_pay: { en: 'Google Pay', zh: 'Google Pay' },
  alipay: { en: 'Alipay', zh: '支付宝' },
  wechat_pay: { en: 'WeChat Pay', zh: '微信支付' },
  crypto: { en: 'Crypto', zh: '加密货币' },
  nfc: { en: 'NFC', zh: 'NFC 近场支付' },
  bank_transfer: { en: 'Bank transfer', zh: '银行转账' },
  other: { en: 'Other', zh: '其他' },
};

/** Names of channels. */
export const CHANNEL_NAMES: Names<Channel> = {
  web: { en: 'Web', zh: '网页' },
  ios: { en: 'iOS', zh: 'iOS 应用' },
  android: { en: 'Android', zh: '安卓应用' },
  mini_program: { en: 'Mini program', zh: '小程序' },
  pos: { en: 'POS', zh: '线下 POS' },
};

/** Names of card funding types. */
export const CARD_FUNDING_NAMES: Names<CardFunding> = {
  credit: { en: 'Credit', zh: '信用卡' },
  debit: { en: 'Debit', zh: '借记卡' },
  prepaid: { en: 'Prepaid', zh: '预付卡' },
  unknown: { en: 'Unknown', zh: '未知' },
};

/** Names of card wallets. */
export const CARD_WALLET_NAMES: Names<CardWallet> = {
  apple_pay: { en: 'Apple Pay', zh: 'Apple Pay' },
  google_pay: { en: 'Google Pay', zh: 'Google Pay' },
  samsung_pay: { en: 'Samsung Pay', zh: 'Samsung Pay' },
  other: { en: 'Other', zh: '其他' },
};

/** The one word among proper names (providers, card brands). */
export const OTHER_NAME: Record<SummaryLocale, string> = { en: 'Other', zh: '其他' };

/** The label value of a pooled dimension (alerts/src/engine/pooling.ts). */
export const POOLED = '_pooled';

/** A pooled slice's value for people. */
export const POOLED_NAME: Record<SummaryLocale, string> = { en: 'small ones pooled', zh: '小流量合并' };

/** Names of the engine's labels that are no read-API dimension (fraud rules, the rule itself). */
export const OTHER_LABEL_NAMES = {
  alertname: { en: 'Rule', zh: '规则' },
  customer_ref: { en: 'Customer', zh: '客户' },
  device_ref: { en: 'Device', zh: '设备' },
  ip_ref: { en: 'IP', zh: 'IP' },
  limit: { en: 'Limit', zh: '限额' },
} as const satisfies Record<string, Record<SummaryLocale, string>>;

/** Values of a limit-breach alert's `limit` label. */
export const LIMIT_NAMES = {
  per_transaction: { en: 'Per transaction', zh: '单笔' },
  daily: { en: 'Daily', zh: '每日' },
} as const satisfies Record<string, Record<SummaryLocale, string>>;

/** Alert label names that are read-API dimensions under another name. */
const LABEL_ALIASES: Record<string, Dimension> = {
  bin: 'card_bin',
  issuer_country: 'card_issuer_country',
  merchant: 'merchant_id',
};

function pick(table: Record<string, Record<SummaryLocale, string>>, key: string, locale: SummaryLocale) {
  return Object.hasOwn(table, key) ? table[key]?.[locale] : undefined;
}

/** The read-API dimension an alert label names (`bin` → `card_bin`), if any. */
export function labelDimension(name: string): Dimension | undefined {
  return (DIMENSIONS as readonly string[]).includes(name) ? (name as Dimension) : LABEL_ALIASES[name];
}

/** A label's name for people: "Issuer country" / "发卡国家"; an unknown label as is. */
export function labelName(locale: SummaryLocale, name: string): string {
  const dim = labelDimension(name);
  if (dim) return DIMENSION_NAMES[dim][locale];
  return pick(OTHER_LABEL_NAMES, name, locale) ?? name;
}

const VALUE_NAMES: Partial<Record<Dimension, Record<string, Record<SummaryLocale, string>>>> = {
  method: METHOD_NAMES,
  channel: CHANNEL_NAMES,
  status: STATUS_NAMES,
  failure_category: FAILURE_CATEGORY_NAMES,
  card_wallet: CARD_WALLET_NAMES,
  provider: { other: OTHER_NAME },
  card_brand: { other: OTHER_NAME },
};

/** The name of a value of a query dimension (enum values); free-form values as they are. */
export function dimensionValueName(locale: SummaryLocale, dim: Dimension, value: string): string {
  const table = VALUE_NAMES[dim];
  return (table && pick(table, value, locale)) ?? value;
}

const regions = new Map<SummaryLocale, Intl.DisplayNames | null>();
function regionName(locale: SummaryLocale, code: string): string | undefined {
  if (!regions.has(locale)) {
    try {
      regions.set(locale, new Intl.DisplayNames([locale === 'zh' ? 'zh-CN' : 'en'], { type: 'region' }));
    } catch {
      regions.set(locale, null);
    }
  }
  try {
    const name = regions.get(locale)?.of(code);
    return name && name !== code ? name : undefined;
  } catch {
    return undefined; // not a region code
  }
}

/**
 * A label's value for people: a pooled slice as "small ones pooled" (小流量合并), enum values by
 * their name (method, status, failure category…), countries by name with their code ("Canada
 * (CA)"); ids, BINs and providers as they are.
 */
export function labelValue(locale: SummaryLocale, name: string, value: string): string {
  if (value === POOLED) return POOLED_NAME[locale];
  const dim = labelDimension(name);
  if (dim === 'country' || dim === 'card_issuer_country') {
    const region = /^[A-Z]{2}$/.test(value) ? regionName(locale, value) : undefined;
    return region ? `${region} (${value})` : value;
  }
  if (dim) return dimensionValueName(locale, dim, value);
  return (name === 'limit' ? pick(LIMIT_NAMES, value, locale) : undefined) ?? value;
}

/**
 * What an alert's contributor values are: a decline-mix shift's are the growth of each failure
 * category's share (a fraction: 0.553 = +55.3 percentage points); a card-testing finding's are
 * the declined attempts of its entity; every other detector's are failures — a failure
 * category's count, a dimension value's failures beyond its share of attempts
 * (alerts/src/detect/types.ts `topContributors`), so 1 is one failure, not 100 %.
 */
export type ContributorKind = 'points' | 'failures' | 'declined';

/** The kind of an alert's contributor figures, from its message (its rule's name without one). */
export function contributorKind(a: { rule: string; message?: SummaryMessage | null }): ContributorKind {
  if (a.message)
    return a.message.key === 'mix_shifted'
      ? 'points'
      : a.message.key === 'card_testing'
        ? 'declined'
        : 'failures';
  return a.rule.includes('mix') ? 'points' : a.rule.includes('card_testing') ? 'declined' : 'failures';
}

/** The figures' phrasing (`formatMessage`: English plurals); `{n}` a whole number, `{value}` a number. */
export const CONTRIBUTOR_FIGURES = {
  points: { en: '+{value} pp', zh: '+{value} 个百分点' },
  count: { en: '{n, plural, one {# failure} other {# failures}}', zh: '{n} 笔失败' },
  excess: {
    en: '{n, plural, one {# more failure} other {# more failures}} than its share of attempts',
    zh: '比其尝试占比多 {n} 笔失败',
  },
  excessHelp: {
    en: "Failures beyond what this value's share of the attempts explains at the alert's failure rate: an estimate ({value}), so fractional; shown rounded to whole payments.",
    zh: '按该告警的失败率，超出此取值尝试占比所应有失败数的部分（{value}）：为估算值，故有小数；显示时取整到笔。',
  },
  declined: { en: '{n} declined', zh: '{n} 笔被拒' },
} as const satisfies Record<string, Record<SummaryLocale, string>>;

/** Formats a number for people in a locale (`digits`: at most that many fraction digits). */
export type NumberFormat = (n: number, digits?: number) => string;

function defaultNumber(locale: SummaryLocale): NumberFormat {
  return (n, digits = 0) =>
    new Intl.NumberFormat(locale === 'zh' ? 'zh-CN' : 'en-US', { maximumFractionDigits: digits }).format(n);
}

/** One contributing dimension, named for people. */
export interface ContributorText {
  /** The dimension's name ("Failure category"); empty for a key without one. */
  name: string;
  /** The value's name ("Provider error", "small ones pooled"). */
  value: string;
  /** The figure ("331 failures", "20 more failures than its share of attempts", "+55.3 pp"). */
  figure: string;
  /** Why the figure is an estimate (excess failures), else null. */
  help: string | null;
  /** `name=value` as the engine, silences and URLs have it. */
  raw: string;
}

/**
 * One contributing dimension as people read it: "Failure category: Provider error · 20
 * failures", "Provider: adyen · 20 more failures than its share of attempts" (with `help`
 * saying why it is an estimate), "+55.3 pp" for a decline-mix shift, "39 declined" for card
 * testing. The engine's figure for a dimension value is its *excess* failures — failures beyond
 * what its share of the attempts explains at the slice's failure rate (alerts/src/detect/types.ts
 * `topContributors`), a fraction such as 19.7 — shown rounded to whole payments ("<1" below one
 * half); a failure category's is a count.
 */
export function contributorText(
  locale: SummaryLocale,
  c: { key: string; value: number },
  kind: ContributorKind,
  number: NumberFormat = defaultNumber(locale),
): ContributorText {
  const eq = c.key.indexOf('=');
  const dim = eq < 0 ? '' : c.key.slice(0, eq);
  const v = eq < 0 ? c.key : c.key.slice(eq + 1);
  const name = dim ? labelName(locale, dim) : '';
  const value = dim ? labelValue(locale, dim, v) : v;
  const whole = (n: number) => (n > 0 && Math.round(n) === 0 ? '<1' : number(Math.round(n)));
  const say = (t: string, vars: Record<string, string>) =>
    formatMessage(locale === 'zh' ? 'zh-CN' : 'en', t, vars);
  const F = CONTRIBUTOR_FIGURES;
  let figure: string;
  let help: string | null = null;
  if (kind === 'points') figure = say(F.points[locale], { value: number(c.value * 100, 1) });
  else if (kind === 'declined') figure = say(F.declined[locale], { n: whole(c.value) });
  else if (dim === 'failure_category') figure = say(F.count[locale], { n: whole(c.value) });
  else {
    figure = say(F.excess[locale], { n: whole(c.value) });
    help = say(F.excessHelp[locale], { value: number(c.value, 1) });
  }
  return { name, value, figure, help, raw: c.key };
}

/**
 * One contributor on one line of text (chat, email): "Failure category: Provider error · 331
 * failures" (zh "失败类别：渠道错误 · 331 笔失败").
 */
export function contributorLine(
  locale: SummaryLocale,
  c: { key: string; value: number },
  kind: ContributorKind,
  number?: NumberFormat,
): string {
  const t = contributorText(locale, c, kind, number);
  const colon = locale === 'zh' ? '：' : ': ';
  return `${t.name ? `${t.name}${colon}` : ''}${t.value} · ${t.figure}`;
}
