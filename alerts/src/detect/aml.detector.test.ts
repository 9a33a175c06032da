// Guards the AML threshold: per currency and user level, in the transaction's own currency.
import { describe, expect, it } from 'vitest';
import { AmlSpecSchema, createAmlDetector } from './aml.detector.js';
import { makeEvent } from './synthetic.js';

describe('aml detector', () => {
  const d = createAmlDetector(
    AmlSpecSchema.parse({
      type: 'aml_threshold',
      thresholds: { EUR: { default: 10000, corporate: 100000 }, JPY: { default: 1000000 } },
    }),
  );
  it('flags 10 000 EUR for a default customer, not 9 999.99', () => {
    expect(d.observe(makeEvent({ ts: 1, amount_minor: 1_000_000 }), 0)).toHaveLength(1);
    expect(d.observe(makeEvent({ ts: 2, amount_minor: 999_999 }), 0)).toHaveLength(0);
  });
  it('uses the level threshold and the currency exponent (JPY has none)', () => {
    expect(d.observe(makeEvent({ ts: 3, amount_minor: 5_000_000, user_level: 'corporate' }), 0)).toHaveLength(
      0,
    );
    const f = d.observe(makeEvent({ ts: 4, amount_minor: 1_200_000, currency: 'JPY' }), 0);
    expect(f[0]?.labels.currency).toBe('JPY');
    expect(f[0]?.evaluation.value).toBe(1_200_000);
  });
  it('ignores failed attempts', () => {
    expect(d.observe(makeEvent({ ts: 5, amount_minor: 5_000_000, status: 'failed' }), 0)).toHaveLength(0);
  });
});
