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

/** Transaction-limit breaches per user level: one payment above the per-transaction limit, or a day's total above the daily limit (reporting currency). */
export const LimitSpecSchema = z.object({
  type: z.literal('limit'),
  limits: z
    .record(
      z.string(),
      z.object({
        per_transaction: z.number().positive().optional(),
        daily: z.number().positive().optional(),
      }),
    )
    .default({ default: { per_transaction: 5000, daily: 20000 } }),
});
export type LimitSpec = z.infer<typeof LimitSpecSchema>;

export function createLimitDetector(spec: LimitSpec): EventDetector {
  // A customer's 24 h total is a running sum (no re-sum per payment).
  const sums = new WindowSum<number>((a) => a);
  const days = new KeyedWindows<number, AmountSum>(86_400_000, undefined, sums);
  return {
    kind: 'event',
    type: 'limit',
    snapshot() {
      return { type: 'limit', windows: days.toJson() };
    },
    restore(state: unknown) {
      days.fromJson(fieldsOf(state, 'limit')['windows']);
    },
    observe(e: PaymentEvent, amountReporting: number): EventFinding[] {
      if (outcomeOf(e.status) !== 'success') return [];
      const level = e.user_level ?? 'default';
      const lim = spec.limits[level] ?? spec.limits['default'];
      if (!lim) return [];
      const who = e.customer_ref ?? 'unknown';
      const w = e.customer_ref !== null ? days.add(`${who}\u0000${level}`, e.ts, amountReporting) : null;
      const overTx = lim.per_transaction !== undefined && amountReporting > lim.per_transaction;
      const overDay =
        lim.daily !== undefined && (w ? sums.exceeds(w, lim.daily) : amountReporting > lim.daily);
      if (!overTx && !overDay) return [];
      const limit = overTx ? lim.per_transaction : lim.daily;
      // The day's total is reported only when the transaction alone is within its limit.
      const value = overTx ? amountReporting : w ? sums.total(w) : amountReporting;
      return [
        {
          labels: { customer_ref: who, user_level: level, limit: overTx ? 'per_transaction' : 'daily' },
          evaluation: {
            at: e.ts,
            verdict: 'anomalous',
            value,
            expected: limit ?? null,
            lower: null,
            upper: limit ?? null,
            score: 1,
            revenue_at_risk: 0,
            ...say({
              key: 'limit',
              params: { per_transaction: overTx, value, limit: limit ?? null, level },
            }),
            samples: [maskId(e.payment_id)],
          },
        },
      ];
    },
  };
}
