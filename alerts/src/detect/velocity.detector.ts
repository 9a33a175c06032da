import { z } from 'zod';
import { outcomeOf } from '@paywatch/contracts';
import type { PaymentEvent } from '@paywatch/contracts';
import { maskId } from '../lib/mask.js';
import { KeyedWindows } from './keyed.js';
import { WindowSum } from './window-sum.js';
import type { AmountSum } from './window-sum.js';
import { fieldsOf } from './snapshot.js';
import type { EventDetector, EventFinding } from './types.js';
import { say } from './summary.js';

/** Velocity per customer: too many attempts (or too much volume) in a window, per user level. */
export const VelocitySpecSchema = z.object({
  type: z.literal('velocity'),
  window_minutes: z.number().int().min(1).max(10080).default(60),
  /** Max attempts per window by user level (`default` for the rest). */
  max_attempts: z.record(z.string(), z.number().int().positive()).default({ default: 20 }),
  /** Optional max volume per window by user level, reporting currency. */
  max_amount: z.record(z.string(), z.number().positive()).default({}),
});
export type VelocitySpec = z.infer<typeof VelocitySpecSchema>;

interface Item {
  amount: number;
  id: string;
}

export function createVelocityDetector(spec: VelocitySpec): EventDetector {
  // The window's attempt count is its size; its volume a running sum (no re-sum per attempt),
  // kept only when a volume limit is set (not in the default pack: ~60 bytes per customer).
  const sums = new WindowSum<Item>((i) => i.amount);
  const windows = new KeyedWindows<Item, AmountSum>(
    spec.window_minutes * 60_000,
    undefined,
    Object.keys(spec.max_amount).length > 0 ? sums : undefined,
  );
  return {
    kind: 'event',
    type: 'velocity',
    snapshot() {
      return { type: 'velocity', windows: windows.toJson() };
    },
    restore(state: unknown) {
      windows.fromJson(fieldsOf(state, 'velocity')['windows']);
    },
    observe(e: PaymentEvent, amountReporting: number): EventFinding[] {
      if (e.customer_ref === null || outcomeOf(e.status) === null) return [];
      const level = e.user_level ?? 'default';
      const w = windows.add(e.customer_ref, e.ts, { amount: amountReporting, id: e.payment_id });
      const n = w.size;
      const maxN = spec.max_attempts[level] ?? spec.max_attempts['default'];
      const maxA = spec.max_amount[level] ?? spec.max_amount['default'];
      const overN = maxN !== undefined && n > maxN;
      // The volume is reported only when the count is not over its limit.
      const overA = !overN && maxA !== undefined && sums.exceeds(w, maxA);
      if (!overN && !overA) return [];
      const amount = overN ? 0 : sums.total(w);
      return [
        {
          labels: { customer_ref: e.customer_ref, user_level: level },
          evaluation: {
            at: e.ts,
            verdict: 'anomalous',
            value: overN ? n : amount,
            expected: overN ? (maxN ?? null) : (maxA ?? null),
            lower: null,
            upper: overN ? (maxN ?? null) : (maxA ?? null),
            score: 1,
            revenue_at_risk: 0,
            ...say({
              key: 'velocity',
              params: {
                customer: maskId(e.customer_ref),
                over: overN ? 'count' : 'amount',
                value: overN ? n : amount,
                window_minutes: spec.window_minutes,
                limit: (overN ? maxN : maxA) ?? null,
                level,
              },
            }),
            samples: w.latest(3).map((i) => maskId(i.id)),
          },
        },
      ];
    },
  };
}
