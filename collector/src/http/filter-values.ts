import {
  FILTER_CODES,
  FILTER_ENUMS,
  canonicalFilterValue,
  type Dimension,
  type Filters,
} from '@paywatch/contracts';
import { BadRequestError } from '../lib/errors.js';
import { cutText } from '../lib/pan.js';

// The lists live in contracts (FILTER_ENUMS, FILTER_CODES): the dashboard checks its filters with them.
const WHAT = {
  currency: 'an ISO 4217 currency code',
  country: 'an ISO 3166-1 alpha-2 country code',
} as const;

/** The closed-list dimensions: enums first, then ISO codes (the first bad value is the one named). */
const CHECKED = [...Object.keys(FILTER_ENUMS), ...Object.keys(FILTER_CODES)] as Dimension[];

/**
 * Filter values as the store holds them. Events are stored normalized (canonical enum values,
 * upper-case ISO codes), so a filter spelled the way ingest accepts it (`Stripe`, `wechat`,
 * `usd`) would otherwise silently match nothing. A value that can never match is a 400 naming
 * the parameter, not an empty answer. Open dimensions (merchant, BIN…) are kept as given.
 */
export function normalizeFilters(f: Filters): Filters {
  const out: Filters = { ...f };
  for (const dim of CHECKED) {
    const raw = f[dim];
    if (!raw) continue;
    out[dim] = raw.map((v) => canonicalFilterValue(dim, v) ?? refuse(dim, v));
  }
  return out;
}

/** The 400 for a value of a closed-list dimension that can never match. */
function refuse(dim: Dimension, v: string): never {
  const shown = cutText(v, 40);
  const e = FILTER_ENUMS[dim];
  throw new BadRequestError(
    e
      ? `query parameter "${dim}": unknown value "${shown}"; expected one of: ${e.values.join(', ')}`
      : `query parameter "${dim}": "${shown}" is not ${WHAT[FILTER_CODES[dim]!.what]}`,
    dim,
    'invalid_parameter',
  );
}
