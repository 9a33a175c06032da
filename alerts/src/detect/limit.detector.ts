import { z } from 'zod';
import { outcomeOf } from '@paywatch/contracts';
import type { PaymentEvent } from '@paywatch/contracts';
import { maskId } from '../lib/mask.js';
import { KeyedWindows } from './keyed.js';
import { fieldsOf } from './snapshot.js';
import type { EventDetector, EventFinding } from './types.js';

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
  const days = new KeyedWindows<number>(86_400_000);
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
      const day =
        e.customer_ref !== null
          ? days.add(`${who}\u0000${level}`, e.ts, amountReporting).items.reduce((s, x) => s + x, 0)
          : amountReporting;
      const overTx = lim.per_transaction !== undefined && amountReporting > lim.per_transaction;
      const overDay = lim.daily !== undefined && day > lim.daily;
      if (!overTx && !overDay) return [];
      const limit = overTx ? lim.per_transaction : lim.daily;
      const value = overTx ? amountReporting : day;
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
            summary: `${overTx ? 'transaction' : '24 h total'} ${value.toFixed(2)} exceeds the ${overTx ? 'per-transaction' : 'daily'} limit ${limit} for level ${level}`,
            samples: [maskId(e.payment_id)],
          },
        },
      ];
    },
  };
}
