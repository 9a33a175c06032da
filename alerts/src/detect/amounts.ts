import { z } from 'zod';

/**
 * Amount thresholds by currency and user level, in that currency's major units:
 * `{EUR: {default: 10000, vip: 50000}}`. The `*` currency applies to the reporting amount.
 */
export const AmountTableSchema = z.record(
  z.string().regex(/^([A-Z]{3}|\*)$/, 'expected an ISO 4217 code or *'),
  z.record(z.string().min(1), z.number().positive()),
);
export type AmountTable = z.infer<typeof AmountTableSchema>;

/** The threshold that applies to a transaction, and the amount to compare with it. */
export function thresholdFor(
  table: AmountTable,
  currency: string,
  level: string | null,
  amountMajor: number,
  amountReporting: number,
): { threshold: number; amount: number; currency: string } | null {
  const byCur = table[currency];
  if (byCur) {
    const t = (level !== null ? byCur[level] : undefined) ?? byCur['default'];
    if (t !== undefined) return { threshold: t, amount: amountMajor, currency };
  }
  const any = table['*'];
  if (any) {
    const t = (level !== null ? any[level] : undefined) ?? any['default'];
    if (t !== undefined) return { threshold: t, amount: amountReporting, currency: '*' };
  }
  return null;
}
