// Guards revenue at risk: the attempts a drop lost are priced at the tickets of the payments that failed, not at the slice's average ticket (a failing currency with small tickets was over-counted).
import { describe, expect, it } from 'vitest';
import { emptyMinute, revenueAtRisk } from './types.js';

/** One provider minute: 70 successes at $60, and 30 failures at $10 (its JPY payments, failing). */
function minute() {
  const m = emptyMinute(0);
  m.attempts = 100;
  m.succeeded = 70;
  m.failed = 30;
  m.technical_failed = 25;
  m.gmv = 70 * 60;
  m.attempted_amount = 70 * 60 + 30 * 10;
  return m;
}

describe('revenue at risk', () => {
  // Scenario replay: only JPY failing on stripe (¥9.2 M ≈ $61.6 k lost in 20 minutes); the JPY
  // slices summed $58 k, the provider's page $81 k (stripe's other currencies have larger tickets).
  it('prices the lost attempts at the failed payments’ ticket', () => {
    // 25 attempts lost against a 95 % baseline, each a $10 payment.
    expect(revenueAtRisk('success_rate', minute(), 0.95)).toBeCloseTo(250, 6);
    expect(revenueAtRisk('decline_rate', minute(), 0.05)).toBeCloseTo(250, 6);
    expect(revenueAtRisk('technical_success_rate', minute(), 0.95)).toBeCloseTo(200, 6);
  });
  it('is 0 when the rate is not worse than expected', () => {
    expect(revenueAtRisk('success_rate', minute(), 0.6)).toBe(0);
  });
});
