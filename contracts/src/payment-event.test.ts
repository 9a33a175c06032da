// Guards the payment event contract: what clients may send, aliases, limits, and unknown-field rejection.
import { describe, expect, it } from 'vitest';
import { PaymentEventInputSchema, canonicalEnum, parseTimestamp } from './payment-event.js';
import { ENUM_ALIASES, PROVIDERS, STATUSES, outcomeOf } from './enums.js';
import { currencyExponent, toMajorUnits } from './currency.js';

const base = {
  event_id: 'evt_1',
  ts: '2026-11-25T10:00:00Z',
  payment_id: 'pay_1',
  merchant_id: 'm_1',
  provider: 'stripe',
  method: 'card',
  status: 'succeeded',
  amount_minor: 1999,
  currency: 'usd',
};

describe('PaymentEventInputSchema', () => {
  it('accepts a minimal event and RFC 3339 or epoch-ms timestamps', () => {
    expect(PaymentEventInputSchema.safeParse(base).success).toBe(true);
    expect(PaymentEventInputSchema.safeParse({ ...base, ts: 1764064800000 }).success).toBe(true);
    expect(PaymentEventInputSchema.safeParse({ ...base, ts: '2026-11-25T10:00:00.123+08:00' }).success).toBe(
      true,
    );
  });

  it('rejects unknown top-level fields, naming them', () => {
    const r = PaymentEventInputSchema.safeParse({ ...base, colour: 'red' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.code).toBe('unrecognized_keys');
  });

  it.each([
    ['ts', '25/11/2026'],
    ['ts', '2026-11-25T10:00:00'], // no zone
    ['amount_minor', 19.99],
    ['amount_minor', -1],
    ['currency', 'XYZ'],
    ['provider', 'acme-pay'],
    ['status', 'maybe'],
    ['attempt', 0],
    ['country', 'ZZ'],
    ['event_id', ''],
  ])('rejects a bad %s and names it', (field, value) => {
    const r = PaymentEventInputSchema.safeParse({ ...base, [field]: value });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual([field]);
  });

  it('validates nested card fields with their path', () => {
    const r = PaymentEventInputSchema.safeParse({ ...base, card: { bin: '41', last4: '1111' } });
    expect(r.error?.issues[0]?.path).toEqual(['card', 'bin']);
  });

  it('bounds metadata size and depth', () => {
    expect(PaymentEventInputSchema.safeParse({ ...base, metadata: { a: 'x'.repeat(9000) } }).success).toBe(
      false,
    );
    expect(
      PaymentEventInputSchema.safeParse({ ...base, metadata: { a: { b: { c: { d: { e: { f: 1 } } } } } } })
        .success,
    ).toBe(false);
    expect(PaymentEventInputSchema.safeParse({ ...base, metadata: { order: 'A-1', items: 3 } }).success).toBe(
      true,
    );
  });

  it('refuses metadata nested thousands of levels deep with the depth reason (no stack overflow)', () => {
    // A 20 KB JSON body can nest 10 000 levels: the checks must answer per event, not throw.
    const deep = JSON.parse(
      '{"a":' + '['.repeat(10_000) + '"x\\ud800"' + ']'.repeat(10_000) + '}',
    ) as unknown;
    const r = PaymentEventInputSchema.safeParse({ ...base, metadata: deep });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.message)).toContain('nested deeper than 5 levels');
  });
});

describe('enums and currencies', () => {
  it('resolves aliases case-insensitively', () => {
    expect(canonicalEnum(PROVIDERS, ENUM_ALIASES.provider, 'WeChat')).toBe('wechatpay');
    expect(canonicalEnum(STATUSES, ENUM_ALIASES.status, 'Authorised')).toBe('authorized');
    expect(canonicalEnum(STATUSES, ENUM_ALIASES.status, 'cancelled')).toBe('canceled');
    expect(canonicalEnum(PROVIDERS, ENUM_ALIASES.provider, 'nope')).toBeUndefined();
  });
  it('classifies outcomes', () => {
    expect(outcomeOf('succeeded')).toBe('success');
    expect(outcomeOf('captured')).toBe('success');
    expect(outcomeOf('failed')).toBe('failure');
    expect(outcomeOf('authorized')).toBeNull();
    expect(outcomeOf('refunded')).toBeNull();
  });
  it('uses the ISO 4217 exponent', () => {
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
    expect(toMajorUnits(1999, 'USD')).toBe(19.99);
    expect(toMajorUnits(500, 'JPY')).toBe(500);
    expect(toMajorUnits(1234, 'KWD')).toBe(1.234);
  });
  it('parses timestamps to UTC ms', () => {
    expect(parseTimestamp('2026-11-25T18:00:00+08:00')).toBe(Date.UTC(2026, 10, 25, 10));
  });
  it('says what ts expects when it is missing, null or a fraction (was "Invalid input")', () => {
    for (const ts of [undefined, null, 1795716576155.5, true]) {
      const r = PaymentEventInputSchema.safeParse({ ...base, ts });
      expect(r.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
        ['ts', 'expected an RFC 3339 date-time with a time zone, or epoch milliseconds'],
      ]);
    }
  });
  it('refuses dates that do not exist instead of rolling them into the next month or day', () => {
    // Date.parse reads 2026-02-30 as 2 March and 24:00 as the next midnight.
    for (const ts of [
      '2026-02-30T10:00:00Z',
      '2026-04-31T00:00:00Z',
      '2027-02-29T00:00:00Z',
      '2026-11-26T24:00:00Z',
    ])
      expect(parseTimestamp(ts), ts).toBeNaN();
    expect(parseTimestamp('2028-02-29T23:59:59Z')).toBe(Date.UTC(2028, 1, 29, 23, 59, 59));
    expect(parseTimestamp('2026-12-31T23:59:59.999-01:00')).toBe(Date.UTC(2027, 0, 1, 0, 59, 59, 999));
  });
});
