import type { PaymentEventInput, Provider } from '@paywatch/contracts';
import type { WebhookSecrets } from './webhook-secrets.js';

/**
 * Why a webhook request was refused. Bounded: used as a metrics label (provider × reason).
 * - `missing_header`: a header (or, for form/body-signed providers, the signature field) is absent.
 * - `bad_signature`: the signature does not match any configured secret / key.
 * - `stale_timestamp`: the signed timestamp is outside the provider's tolerance.
 * - `unparseable`: the body is not what the provider sends (bad JSON, wrong shape).
 * - `probe`: a deliberate signature probe (WeChat `WECHATPAY/SIGNTEST/`); must not be acknowledged.
 * - `decrypt_failed`: the signature verified but the encrypted resource did not decrypt.
 * - `unsupported`: a signature scheme or algorithm paywatch does not implement.
 * - `invalid_payload`: a verified payment notification whose amount, currency or event fields
 *   cannot be recorded (a negative or fractional minor amount, an unknown currency, more decimals
 *   than the currency has): refused so the provider's delivery log shows it, not acknowledged
 *   and dropped.
 */
export const REJECT_REASONS = [
  'missing_header',
  'bad_signature',
  'stale_timestamp',
  'unparseable',
  'probe',
  'decrypt_failed',
  'unsupported',
  'invalid_payload',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Request headers with lower-case names; repeated headers are joined with `,`. */
export type WebhookHeaders = Readonly<Record<string, string | undefined>>;

/** The result of `verify`: a parsed payload that can be trusted, or a refusal with its reason. */
export type VerifyOutcome<P> =
  { ok: true; payload: P } | { ok: false; reason: RejectReason; message: string };

/** A verified payment notification that cannot be recorded (see `InvalidPayment`). */
export function invalidPayment(providerEventId: string, field: string, reason: string): NormalizedWebhook {
  return { providerEventId, events: [], invalid: { field, reason } };
}

export function reject(
  reason: RejectReason,
  message: string,
): { ok: false; reason: RejectReason; message: string } {
  return { ok: false, reason, message };
}

/** Why a verified payment notification cannot be recorded: the payload field and what is wrong. */
export interface InvalidPayment {
  /** Path of the field in the provider's payload (`data.object.amount`). */
  field: string;
  /** What is wrong with it, without echoing the value. */
  reason: string;
}

/**
 * What a verified delivery turns into. `events` may be empty (non-payment notifications); when
 * it is empty because a payment notification's amount or currency cannot be read, `invalid` says
 * which field, and the delivery is refused (`invalid_payload`) instead of acknowledged.
 */
export interface NormalizedWebhook {
  /** The provider's id of this delivery/event: the replay-cache key (with the provider name). */
  providerEventId: string;
  /** Inputs for `Ingestor.ingest`; `source` is set by the pipeline, not here. */
  events: PaymentEventInput[];
  invalid?: InvalidPayment;
}

/** Context the router passes to `normalize`. */
export interface NormalizeContext {
  /** The optional `/v1/webhooks/:provider/:account` path segment; merchant id fallback. */
  account?: string;
  /** When the delivery arrived (epoch ms): the event time when the payload carries none. */
  receivedAt?: number;
}

/** The success response a provider expects (anything else makes it retry). */
export interface WebhookAck {
  status: number;
  contentType: string;
  body: string;
}

/**
 * One payment provider's webhook dialect: how to authenticate a delivery over its raw bytes and how
 * to map it onto payment events. Implementations are pure (no I/O, no clock: `now` is passed in),
 * so they are tested with fixed vectors. One file per provider under `providers/`, one entry in
 * the registry.
 */
export interface WebhookProvider<P = unknown> {
  readonly name: Provider;
  /** True when `secrets` hold what `verify` needs (BitPay: when explicitly enabled). */
  isConfigured(secrets: WebhookSecrets): boolean;
  /**
   * Authenticates and parses a delivery. Must compare signatures in constant time and never
   * re-serialize the body before verifying. `now` is epoch milliseconds.
   */
  verify(rawBody: Buffer, headers: WebhookHeaders, secrets: WebhookSecrets, now: number): VerifyOutcome<P>;
  /** Maps a verified payload onto payment-event inputs (pure; throws only on a programming error). */
  normalize(payload: P, ctx?: NormalizeContext): NormalizedWebhook;
  /** The acknowledgement body/status the provider expects. */
  readonly ack: WebhookAck;
  /** Optional provider-specific error body (WeChat wants `{code:"FAIL",message}`). */
  errorBody?(code: string, message: string): Record<string, unknown>;
}
