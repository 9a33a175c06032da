import type { IngestRejection, PaymentEvent, Source } from '@paywatch/contracts';

/** Where a batch came from; set by the source, never by the client. */
export interface IngestContext {
  source: Source;
  /** Acceptance time (epoch ms); defaults to now. */
  receivedAt?: number;
}

/** What happened to a batch. `inserted` are the masked events that were stored (and fanned out). */
export interface IngestOutcome {
  accepted: number;
  duplicate: number;
  rejected: number;
  errors: IngestRejection[];
  inserted: PaymentEvent[];
}

/**
 * The entry point every source uses. Inputs are raw objects in the shape of
 * `PaymentEventInput` (sources such as webhooks map provider payloads into that shape first).
 * Resolves once accepted events are durable; rejects with a retryable error when they are not.
 */
export interface Ingestor {
  ingest(inputs: readonly unknown[], ctx: IngestContext): Promise<IngestOutcome>;
}
