// Guards structuring: three just-below-threshold payments by one customer in 24 h fire; spread over days they do not.
import { describe, expect, it } from 'vitest';
import { StructuringSpecSchema, createStructuringDetector } from './structuring.detector.js';
import { makeEvent } from './synthetic.js';

describe('structuring detector', () => {
  it('fires on the third 9 500 EUR payment within 24 h', () => {
    const d = createStructuringDetector(StructuringSpecSchema.parse({ type: 'structuring' }));
    const r = [0, 1, 2].map(
      (i) => d.observe(makeEvent({ ts: i * 3_600_000, amount_minor: 950_000 }), 0).length,
    );
    expect(r).toEqual([0, 0, 1]);
  });
  it('does not fire when the payments are days apart or well below the threshold', () => {
    const d = createStructuringDetector(StructuringSpecSchema.parse({ type: 'structuring' }));
    let n = 0;
    for (let i = 0; i < 5; i++)
      n += d.observe(makeEvent({ ts: i * 2 * 86_400_000, amount_minor: 950_000 }), 0).length;
    for (let i = 0; i < 5; i++)
      n += d.observe(makeEvent({ ts: 1e6 + i, amount_minor: 500_000, customer_ref: 'cus_2' }), 0).length;
    expect(n).toBe(0);
  });
});
