// Guards transaction limits per user level: per-transaction and daily totals.
import { describe, expect, it } from 'vitest';
import { LimitSpecSchema, createLimitDetector } from './limit.detector.js';
import { makeEvent } from './synthetic.js';

describe('limit detector', () => {
  const spec = LimitSpecSchema.parse({
    type: 'limit',
    limits: { default: { per_transaction: 1000, daily: 2500 }, gold: { per_transaction: 5000 } },
  });
  it('flags a single payment above the level limit', () => {
    const d = createLimitDetector(spec);
    expect(d.observe(makeEvent({ ts: 1 }), 1200)[0]?.labels.limit).toBe('per_transaction');
    expect(d.observe(makeEvent({ ts: 2, user_level: 'gold', customer_ref: 'g' }), 1200)).toHaveLength(0);
  });
  it('flags the payment that takes the 24 h total over the daily limit', () => {
    const d = createLimitDetector(spec);
    const r = [900, 900, 900].map((a, i) => d.observe(makeEvent({ ts: i * 3_600_000 }), a));
    expect(r.map((x) => x.length)).toEqual([0, 0, 1]);
    expect(r[2]?.[0]?.labels.limit).toBe('daily');
  });
});
