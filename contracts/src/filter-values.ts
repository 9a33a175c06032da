import { isCountry } from './country.js';
import { isCurrency } from './currency.js';
import type { Dimension } from './dimensions.js';
import {
  CARD_BRANDS,
  CARD_WALLETS,
  CHANNELS,
  ENUM_ALIASES,
  FAILURE_CATEGORIES,
  METHODS,
  PROVIDERS,
  STATUSES,
} from './enums.js';
import { canonicalEnum } from './payment-event.js';

/** An enum dimension's canonical values and the spellings ingest accepts for them. */
export interface FilterEnum {
  values: readonly string[];
  aliases: Readonly<Record<string, string>>;
}

/**
 * Dimensions whose filter values come from a closed list: the values and aliases the ingest
 * pipeline accepts (it stores the canonical value). The read API checks filters against these,
 * the dashboard offers and checks them before asking.
 */
export const FILTER_ENUMS: Partial<Record<Dimension, FilterEnum>> = {
  provider: { values: PROVIDERS, aliases: ENUM_ALIASES.provider },
  method: { values: METHODS, aliases: ENUM_ALIASES.method },
  channel: { values: CHANNELS, aliases: ENUM_ALIASES.channel },
  status: { values: STATUSES, aliases: ENUM_ALIASES.status },
  card_brand: { values: CARD_BRANDS, aliases: ENUM_ALIASES.card_brand },
  card_wallet: { values: CARD_WALLETS, aliases: { applepay: 'apple_pay', googlepay: 'google_pay' } },
  failure_category: { values: FAILURE_CATEGORIES, aliases: {} },
};

/** An ISO code dimension (stored upper-case): its check and what it expects, for messages. */
export interface FilterCode {
  valid: (code: string) => boolean;
  what: 'currency' | 'country';
}

/** ISO code dimensions, stored upper-case. */
export const FILTER_CODES: Partial<Record<Dimension, FilterCode>> = {
  currency: { valid: isCurrency, what: 'currency' },
  country: { valid: isCountry, what: 'country' },
  card_issuer_country: { valid: isCountry, what: 'country' },
};

/**
 * One filter value as the store holds it (`Stripe` → `stripe`, `wechat` → `wechatpay`, `usd` →
 * `USD`), or `undefined` when it can never match (not in the dimension's list, not an ISO code).
 * Values of open dimensions (merchant, BIN, user level) are kept as given, trimmed.
 */
export function canonicalFilterValue(dim: Dimension, raw: string): string | undefined {
  const e = FILTER_ENUMS[dim];
  if (e) return canonicalEnum(e.values, e.aliases, raw);
  const c = FILTER_CODES[dim];
  if (c) {
    const code = raw.trim().toUpperCase();
    return c.valid(code) ? code : undefined;
  }
  const v = raw.trim();
  return v.length > 0 ? v : undefined;
}
