// Guards velocity per customer: the 21st attempt in an hour fires for the default level, a higher level's limit is honoured.
import { describe, expect, it } from 'vitest';
import { VelocitySpecSchema, createVelocityDetector } from './velocity.detector.js';
import { makeEvent } from './synthetic.js';

describe('velocity detector', () => {
  it('fires on the attempt that exceeds the per-level limit', () => {
    const d = createVelocityDetector(
      VelocitySpecSchema.parse({ type: 'velocity', max_attempts: { default: 20, vip: 50 } }),
    );
    const firstFire = (level: string | null) => {
      for (let i = 0; i < 60; i++)
        if (
          d.observe(makeEvent({ ts: i * 30_000, customer_ref: `cus_${level}`, user_level: level }), 10)
            .length > 0
        )
          return i + 1;
      return -1;
    };
    expect(firstFire(null)).toBe(21);
    expect(firstFire('vip')).toBe(51);
  });
  it('does not count attempts older than the window', () => {
    const d = createVelocityDetector(VelocitySpecSchema.parse({ type: 'velocity' }));
    let n = 0;
    for (let i = 0; i < 100; i++) n += d.observe(makeEvent({ ts: i * 5 * 60_000 }), 10).length;
    expect(n).toBe(0);
  });
});
