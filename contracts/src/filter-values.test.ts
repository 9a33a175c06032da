// Guards the filter values shared by the read API and the dashboard: spellings ingest accepts become the stored value, values that can never match are refused.
import { describe, expect, it } from 'vitest';
import { canonicalFilterValue, FILTER_ENUMS } from './filter-values.js';

describe('canonicalFilterValue', () => {
  it('maps accepted spellings to the stored value', () => {
    expect(canonicalFilterValue('provider', 'Stripe')).toBe('stripe');
    expect(canonicalFilterValue('provider', 'wechat')).toBe('wechatpay');
    expect(canonicalFilterValue('method', 'wechat')).toBe('wechat_pay');
    expect(canonicalFilterValue('currency', ' usd ')).toBe('USD');
    expect(canonicalFilterValue('country', 'de')).toBe('DE');
  });

  it('refuses values that can never match, keeps open dimensions as given', () => {
    expect(canonicalFilterValue('provider', 'nonexistent')).toBeUndefined();
    expect(canonicalFilterValue('currency', 'XYZ')).toBeUndefined();
    expect(canonicalFilterValue('card_issuer_country', 'ZZ')).toBeUndefined();
    expect(canonicalFilterValue('merchant_id', ' acme-store ')).toBe('acme-store');
    expect(FILTER_ENUMS.merchant_id).toBeUndefined();
  });
});
