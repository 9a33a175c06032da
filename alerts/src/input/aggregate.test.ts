// Guards removeEvent as the exact inverse of addEvent: a minute with some events taken back equals the minute built without them (counts, sums, failure mix, contributors, samples).
import { describe, expect, it } from 'vitest';
import { emptyMinute } from '../detect/types.js';
import { eventStream } from '../detect/synthetic.js';
import { maskId } from '../lib/mask.js';
import { addEvent, removeEvent } from './aggregate.js';

describe('removeEvent', () => {
  it('takes back exactly what addEvent added', () => {
    const events = eventStream({
      from: 0,
      minutes: 1,
      perMinute: 60,
      providers: ['adyen', 'stripe'],
      successRate: () => 0.7,
      failure: (t) => (t % 3 === 0 ? 'provider_error' : 'do_not_honor'),
    });
    const taken = events.filter((_, i) => i % 3 === 1);
    const kept = events.filter((_, i) => i % 3 !== 1);
    const all = emptyMinute(0);
    for (const e of events) addEvent(all, e, e.amount_minor / 100);
    for (const e of taken) expect(removeEvent(all, e, e.amount_minor / 100)).toBe(true);
    const only = emptyMinute(0);
    for (const e of kept) addEvent(only, e, e.amount_minor / 100);
    const { samples: s1, attempted_amount: a1, gmv: g1, latency_log_sum: l1, ...rest1 } = all;
    const { samples: s2, attempted_amount: a2, gmv: g2, latency_log_sum: l2, ...rest2 } = only;
    expect(rest1).toEqual(rest2);
    expect(a1).toBeCloseTo(a2, 6);
    expect(g1).toBeCloseTo(g2, 6);
    expect(l1).toBeCloseTo(l2, 6);
    expect(all.failures['provider_error']).toBeGreaterThan(0);
    // Samples: the taken events' ids are gone; what remains are kept events' ids.
    const keptIds = new Set(kept.map((e) => maskId(e.payment_id)));
    expect(s2.length).toBeGreaterThan(0);
    expect(s1.filter((s) => !keptIds.has(s))).toEqual([]);
  });
});
