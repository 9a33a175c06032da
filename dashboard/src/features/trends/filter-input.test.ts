// Guards the explorer's filter box: typed values become the stored spelling, values that can never match are caught before the read API refuses them.
import { describe, expect, it } from 'vitest';
import { addFilter, checkFilterValues, invalidFilters, knownValues } from './filter-input.js';

describe('filter box values', () => {
  it('keeps the stored spelling of accepted values, once each', () => {
    expect(checkFilterValues('provider', 'Stripe, adyen ,wechat,stripe')).toEqual({
      values: ['stripe', 'adyen', 'wechatpay'],
      invalid: [],
    });
    expect(checkFilterValues('country', 'de,fr,,')).toEqual({ values: ['DE', 'FR'], invalid: [] });
    expect(checkFilterValues('merchant_id', 'acme-store')).toEqual({ values: ['acme-store'], invalid: [] });
  });

  it('returns values that can never match apart', () => {
    expect(checkFilterValues('provider', 'stripe,nonexistent')).toEqual({
      values: ['stripe'],
      invalid: ['nonexistent'],
    });
    expect(checkFilterValues('currency', 'usd,dollars').invalid).toEqual(['dollars']);
  });

  it('finds the values of a shared URL that can never match', () => {
    expect(
      invalidFilters({ provider: ['nonexistent', 'stripe'], method: ['card'], country: ['XX'] }),
    ).toEqual([
      ['provider', ['nonexistent']],
      ['country', ['XX']],
    ]);
    expect(invalidFilters({ provider: ['stripe'] })).toEqual([]);
  });

  it('offers the closed lists, nothing for open dimensions', () => {
    expect(knownValues('provider')).toContain('wechatpay');
    expect(knownValues('merchant_id')).toEqual([]);
  });

  it('adds values to a dimension already filtered instead of replacing them, other dimensions kept', () => {
    const f = { provider: ['stripe'], country: ['DE'] };
    expect(addFilter(f, 'provider', ['adyen', 'stripe'])).toEqual({
      provider: ['stripe', 'adyen'],
      country: ['DE'],
    });
    expect(addFilter(f, 'method', ['card'])).toEqual({ ...f, method: ['card'] });
    expect(f).toEqual({ provider: ['stripe'], country: ['DE'] });
  });
});
