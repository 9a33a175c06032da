import { FILTER_CODES, FILTER_ENUMS, canonicalEnum, type Dimension, type Filters } from '@paywatch/contracts';
import { BadRequestError } from '../lib/errors.js';
import { maskPans } from '../lib/pan.js';

// The lists live in contracts (FILTER_ENUMS, FILTER_CODES): the dashboard checks its filters with them.
const WHAT = {
  currency: 'an ISO 4217 currency code',
  country: 'an ISO 3166-1 alpha-2 country code',
} as const;

/**
 * Filter values as the store holds them. Events are stored normalized (canonical enum values,
 * upper-case ISO codes), so a filter spelled the way ingest accepts it (`Stripe`, `wechat`,
 * `usd`) would otherwise silently match nothing. A value that can never match is a 400 naming
 * the parameter, not an empty answer.
 */
export function normalizeFilters(f: Filters): Filters {
  const out: Filters = { ...f };
  for (const [dim, spec] of Object.entries(FILTER_ENUMS) as [
    Dimension,
    NonNullable<(typeof FILTER_ENUMS)[Dimension]>,
  ][]) {
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
  for (const [dim, spec] of Object.entries(FILTER_CODES) as [
    Dimension,
    NonNullable<(typeof FILTER_CODES)[Dimension]>,
  ][]) {
    const raw = f[dim];
    if (!raw) continue;
    out[dim] = raw.map((v) => {
      const c = v.trim().toUpperCase();
      if (!spec.valid(c))
        throw new BadRequestError(
          `query parameter "${dim}": "${maskPans(v.slice(0, 40))}" is not ${WHAT[spec.what]}`,
          dim,
          'invalid_parameter',
        );
      return c;
    });
  }
  return out;
}
