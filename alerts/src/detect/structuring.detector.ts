import { z } from 'zod';
import { outcomeOf, toMajorUnits } from '@paywatch/contracts';
import type { PaymentEvent } from '@paywatch/contracts';
import { maskId } from '../lib/mask.js';
import { AmountTableSchema, thresholdFor } from './amounts.js';
import { KeyedWindows } from './keyed.js';
import { WindowSum } from './window-sum.js';
import type { AmountSum } from './window-sum.js';
import { fieldsOf } from './snapshot.js';
import type { EventDetector, EventFinding } from './types.js';
import { say } from './summary.js';

/**
 * Structuring ("smurfing"): several transactions of one customer just below the AML threshold
 * (within `band` of it) inside `window_hours`.
 */
export const StructuringSpecSchema = z.object({
  type: z.literal('structuring'),
  thresholds: AmountTableSchema.default({
    EUR: { default: 10000 },
    USD: { default: 10000 },
    CNY: { default: 50000 },
    '*': { default: 10000 },
  }),
  band: z.number().gt(0).lt(1).default(0.1),
  window_hours: z.number().positive().max(720).default(24),
  min_count: z.number().int().min(2).default(3),
});
export type StructuringSpec = z.infer<typeof StructuringSpecSchema>;

export function createStructuringDetector(spec: StructuringSpec): EventDetector {
  // The total in a finding is a running sum (no re-sum per transaction).
  const sums = new WindowSum<{ amount: number; id: string }>((i) => i.amount);
  const windows = new KeyedWindows<{ amount: number; id: string }, AmountSum>(
    spec.window_hours * 3_600_000,
    undefined,
    sums,
  );
  return {
    kind: 'event',
    type: 'structuring',
    snapshot() {
      return { type: 'structuring', windows: windows.toJson() };
    },
    restore(state: unknown) {
      windows.fromJson(fieldsOf(state, 'structuring')['windows']);
    },
    observe(e: PaymentEvent, amountReporting: number): EventFinding[] {
      if (e.customer_ref === null || outcomeOf(e.status) !== 'success') return [];
      const t = thresholdFor(
        spec.thresholds,
        e.currency,
        e.user_level,
        toMajorUnits(e.amount_minor, e.currency),
        amountReporting,
      );
      if (!t || t.amount >= t.threshold || t.amount < t.threshold * (1 - spec.band)) return [];
      const w = windows.add(`${e.customer_ref}\u0000${t.currency}`, e.ts, {
        amount: t.amount,
        id: e.payment_id,
      });
      const n = w.size;
      if (n < spec.min_count) return [];
      const total = sums.total(w);
      return [
        {
          labels: {
            customer_ref: e.customer_ref,
            currency: e.currency,
            user_level: e.user_level ?? 'default',
          },
          evaluation: {
            at: e.ts,
            verdict: 'anomalous',
            value: n,
            expected: spec.min_count - 1,
            lower: null,
            upper: t.threshold,
            score: 1,
            revenue_at_risk: 0,
            ...say({
              key: 'structuring',
              params: {
                customer: maskId(e.customer_ref),
                count: n,
                threshold: t.threshold,
                window_hours: spec.window_hours,
                total,
              },
            }),
            samples: w.latest(3).map((i) => maskId(i.id)),
          },
        },
      ];
    },
  };
}
