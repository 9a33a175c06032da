import {
  CARD_BRANDS,
  CARD_WALLETS,
  CHANNELS,
  ENUM_ALIASES,
  FAILURE_CATEGORIES,
  METHODS,
  PROVIDERS,
  STATUSES,
  canonicalEnum,
  isCountry,
  isCurrency,
  type Dimension,
  type Filters,
} from '@paywatch/contracts';
import { BadRequestError } from '../lib/errors.js';
import { maskPans } from '../lib/pan.js';

interface EnumSpec {
  values: readonly string[];
  aliases: Readonly<Record<string, string>>;
}
interface CodeSpec {
  valid: (code: string) => boolean;
  what: string;
}

/** Enum dimensions: the values and aliases the ingest pipeline accepts (it stores the canonical value). */
const ENUM_DIMENSIONS: Partial<Record<Dimension, EnumSpec>> = {
  provider: { values: PROVIDERS, aliases: ENUM_ALIASES.provider },
  method: { values: METHODS, aliases: ENUM_ALIASES.method },
  channel: { values: CHANNELS, aliases: ENUM_ALIASES.channel },
  status: { values: STATUSES, aliases: ENUM_ALIASES.status },
  card_brand: { values: CARD_BRANDS, aliases: ENUM_ALIASES.card_brand },
  card_wallet: { values: CARD_WALLETS, aliases: { applepay: 'apple_pay', googlepay: 'google_pay' } },
  failure_category: { values: FAILURE_CATEGORIES, aliases: {} },
};

/** ISO code dimensions, stored upper-case. */
const CODE_DIMENSIONS: Partial<Record<Dimension, CodeSpec>> = {
  currency: { valid: isCurrency, what: 'an ISO 4217 currency code' },
  country: { valid: isCountry, what: 'an ISO 3166-1 alpha-2 country code' },
  card_issuer_country: { valid: isCountry, what: 'an ISO 3166-1 alpha-2 country code' },
};

/**
 * Filter values as the store holds them. Events are stored normalized (canonical enum values,
 * upper-case ISO codes), so a filter spelled the way ingest accepts it (`Stripe`, `wechat`,
 * `usd`) would otherwise silently match nothing. A value that can never match is a 400 naming
 * the parameter, not an empty answer.
 */
export function normalizeFilters(f: Filters): Filters {
  const out: Filters = { ...f };
  for (const [dim, spec] of Object.entries(ENUM_DIMENSIONS) as [Dimension, EnumSpec][]) {
    const raw = f[dim];
    if (!raw) continue;
    out[dim] = raw.map((v) => {
      const c = canonicalEnum(spec.values, spec.aliases, v);
      if (c === undefined)
        throw new BadRequestError(
          `query parameter "${dim}": unknown value "${maskPans(v.slice(0, 40))}"; expected one of: ${spec.values.join(', ')}`,
          dim,
          'invalid_parameter',
        );
      return c;
    });
  }
  for (const [dim, spec] of Object.entries(CODE_DIMENSIONS) as [Dimension, CodeSpec][]) {
    const raw = f[dim];
    if (!raw) continue;
    out[dim] = raw.map((v) => {
      const c = v.trim().toUpperCase();
      if (!spec.valid(c))
        throw new BadRequestError(
          `query parameter "${dim}": "${maskPans(v.slice(0, 40))}" is not ${spec.what}`,
          dim,
          'invalid_parameter',
        );
      return c;
    });
  }
  return out;
}
