import { z } from 'zod';
import { outcomeOf, toMajorUnits } from '@paywatch/contracts';
import type { PaymentEvent } from '@paywatch/contracts';
import { maskId } from '../lib/mask.js';
import { AmountTableSchema, thresholdFor } from './amounts.js';
import type { EventDetector, EventFinding } from './types.js';
import { say } from './summary.js';

/** AML: a single transaction at or above the reporting threshold for its currency and user level. */
export const AmlSpecSchema = z.object({
  type: z.literal('aml_threshold'),
  thresholds: AmountTableSchema.default({
    EUR: { default: 10000 },
    USD: { default: 10000 },
    CNY: { default: 50000 },
    '*': { default: 10000 },
  }),
});
export type AmlSpec = z.infer<typeof AmlSpecSchema>;

export function createAmlDetector(spec: AmlSpec): EventDetector {
  return {
    kind: 'event',
    type: 'aml_threshold',
    observe(e: PaymentEvent, amountReporting: number): EventFinding[] {
      if (outcomeOf(e.status) !== 'success') return [];
      const t = thresholdFor(
        spec.thresholds,
        e.currency,
        e.user_level,
        toMajorUnits(e.amount_minor, e.currency),
        amountReporting,
      );
      if (!t || t.amount < t.threshold) return [];
      return [
        {
          labels: {
            customer_ref: e.customer_ref ?? 'unknown',
            currency: e.currency,
            user_level: e.user_level ?? 'default',
          },
          evaluation: {
            at: e.ts,
            verdict: 'anomalous',
            value: t.amount,
            expected: t.threshold,
            lower: null,
            upper: t.threshold,
            score: 1,
            revenue_at_risk: 0,
            ...say({
              key: 'aml',
              params: {
                payment: maskId(e.payment_id),
                amount: t.amount,
                currency: t.currency,
                threshold: t.threshold,
              },
            }),
            samples: [maskId(e.payment_id)],
          },
        },
      ];
    },
  };
}
