import {
  DIMENSIONS,
  FILTER_CODES,
  FILTER_ENUMS,
  canonicalFilterValue,
  type Dimension,
} from '@paywatch/contracts';

/** Values typed into the filter box, split on commas: as the store holds them, and those that can never match. */
export interface CheckedValues {
  values: string[];
  invalid: string[];
}

/**
 * Checks typed filter values before they reach the URL and the read API: accepted spellings
 * become the stored value (`Stripe` → `stripe`, `usd` → `USD`), duplicates go, and values that
 * can never match are returned apart so the page can say so in the UI language (the read API
 * would answer 400 in English and the chart would show only that).
 */
export function checkFilterValues(dim: Dimension, text: string): CheckedValues {
  const values: string[] = [];
  const invalid: string[] = [];
  for (const raw of text.split(',')) {
    if (raw.trim() === '') continue;
    const v = canonicalFilterValue(dim, raw);
    if (v === undefined) invalid.push(raw.trim());
    else if (!values.includes(v)) values.push(v);
  }
  return { values, invalid };
}

/** The filters of a state (a shared or edited URL) holding values that can never match, per dimension. */
export function invalidFilters(filters: Partial<Record<Dimension, string[]>>): [Dimension, string[]][] {
  return DIMENSIONS.flatMap((d) => {
    const bad = (filters[d] ?? []).filter((v) => canonicalFilterValue(d, v) === undefined);
    return bad.length > 0 ? [[d, bad] as [Dimension, string[]]] : [];
  });
}

/** The values offered for a dimension (a closed list), or none for open and code dimensions. */
export function knownValues(dim: Dimension): readonly string[] {
  return FILTER_ENUMS[dim]?.values ?? [];
}

/** What a code dimension expects (`currency`, `country`), for the message about a wrong value. */
export function codeKind(dim: Dimension): 'currency' | 'country' | undefined {
  return FILTER_CODES[dim]?.what;
}

/**
 * The filters after "Add filter": values for a dimension already filtered are added to its
 * values (`provider: stripe` + `adyen` → `stripe, adyen`), not put in their place — the box is
 * for adding; a chip's × removes.
 */
export function addFilter(
  filters: Partial<Record<Dimension, string[]>>,
  dim: Dimension,
  values: readonly string[],
): Partial<Record<Dimension, string[]>> {
  const had = filters[dim] ?? [];
  return { ...filters, [dim]: [...had, ...values.filter((v) => !had.includes(v))] };
}
