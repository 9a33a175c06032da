import type { PaymentEvent } from '@paywatch/contracts';

/**
 * Step 4: in-request dedupe. The first occurrence of an `event_id` in a batch goes on; later
 * ones are duplicates. Duplicates of already-stored events are found by the store writer,
 * which is the authority (it serializes writes, so concurrent requests cannot both insert).
 */
export function dedupeStep(events: readonly PaymentEvent[]): { unique: PaymentEvent[]; duplicates: number } {
  const seen = new Set<string>();
  const unique: PaymentEvent[] = [];
  for (const e of events) {
    if (seen.has(e.event_id)) continue;
    seen.add(e.event_id);
    unique.push(e);
  }
  return { unique, duplicates: events.length - unique.length };
}
