import { z } from 'zod';
import { CARD_BRANDS, CHANNELS, FAILURE_CATEGORIES, METHODS, PROVIDERS, STATUSES } from './enums.js';
import { LatencySchema } from './api.js';
import type { PaymentEvent } from './payment-event.js';

/** A masked transaction as broadcast on the live stream (a subset of the payment event). */
export const LiveTransactionSchema = z.object({
  event_id: z.string(),
  ts: z.number(),
  payment_id: z.string(),
  attempt: z.number(),
  merchant_id: z.string(),
  provider: z.enum(PROVIDERS),
  method: z.enum(METHODS),
  channel: z.enum(CHANNELS).nullable(),
  status: z.enum(STATUSES),
  amount_minor: z.number(),
  currency: z.string(),
  failure_category: z.enum(FAILURE_CATEGORIES).nullable(),
  failure_code: z.string().nullable(),
  card_brand: z.enum(CARD_BRANDS).nullable(),
  card_bin: z.string().nullable(),
  card_last4: z.string().nullable(),
  country: z.string().nullable(),
  latency_ms: z.number().nullable(),
});
export type LiveTransaction = z.infer<typeof LiveTransactionSchema>;

/**
 * The masked subset of a stored event that the live stream carries (no refs, no metadata).
 * The collector broadcasts it; the dashboard maps read-API events onto it when back-filling.
 */
export function toLiveTransaction(e: PaymentEvent): LiveTransaction {
  return {
    event_id: e.event_id,
    ts: e.ts,
    payment_id: e.payment_id,
    attempt: e.attempt,
    merchant_id: e.merchant_id,
    provider: e.provider,
    method: e.method,
    channel: e.channel,
    status: e.status,
    amount_minor: e.amount_minor,
    currency: e.currency,
    failure_category: e.failure?.category ?? null,
    failure_code: e.failure?.code ?? null,
    card_brand: e.card?.brand ?? null,
    card_bin: e.card?.bin ?? null,
    card_last4: e.card?.last4 ?? null,
    country: e.country,
    latency_ms: e.latency_ms,
  };
}

/** Rolling KPIs over the last `window_s` seconds of accepted events (processing time). */
export const LiveKpisSchema = z.object({
  at: z.number(),
  window_s: z.number(),
  payments_per_s: z.number(),
  attempts: z.number(),
  succeeded: z.number(),
  failed: z.number(),
  success_rate: z.number().nullable(),
  reporting_currency: z.string(),
  gmv_per_min: z.number(),
  latency_ms: LatencySchema,
});
export type LiveKpis = z.infer<typeof LiveKpisSchema>;

export interface LiveTransactionsBatch {
  events: LiveTransaction[];
  /** Transactions accepted in this interval but not sent (the batch is capped). */
  dropped: number;
}

/**
 * socket.io event map, server → client. Batches are throttled (at most 10 per second), never
 * one message per payment.
 */
/** An alert changing state (pending, firing, resolved…), as pushed by the alert engine. */
export interface LiveAlertTransition {
  id: string;
  rule: string;
  labels: Record<string, string>;
  state: string;
  /** Event time of the transition, epoch ms. */
  at: number;
  value: number | null;
  expected: number | null;
  revenue_at_risk: number;
  /** ISO 4217 code of `revenue_at_risk` (the reporting currency). */
  revenue_at_risk_currency: string;
  severity: string;
  summary: string;
  /** Deep link to the alert's page on the dashboard (as in the HTTP API); null if the alert is gone. */
  dashboard_url: string | null;
}

/** An alert's acknowledgement given or withdrawn (`POST` / `DELETE /alerts/{id}/ack`), as pushed by the alert engine. */
export interface LiveAlertAck {
  id: string;
  rule: string;
  labels: Record<string, string>;
  /** True when given, false when withdrawn (reminders and escalation resume). */
  acknowledged: boolean;
  /** Who acknowledged it, or who withdrew the acknowledgement. */
  by: string;
  /** Wall clock, epoch ms. */
  at: number;
  /** The acknowledgement's reason (null without one, and when withdrawn). */
  reason: string | null;
}

export interface ServerToClientEvents {
  transactions: (batch: LiveTransactionsBatch) => void;
  kpis: (kpis: LiveKpis) => void;
  alert: (transition: LiveAlertTransition) => void;
  alert_ack: (ack: LiveAlertAck) => void;
}

/** socket.io event map, client → server. */
export interface ClientToServerEvents {
  /** Ask for an immediate KPI snapshot (e.g. after reconnecting). */
  'kpis:get': (ack: (kpis: LiveKpis) => void) => void;
}

/** Maximum live messages per second per event name, and transactions per batch. */
export const LIVE_LIMITS = {
  maxBatchesPerSecond: 10,
  maxTransactionsPerBatch: 200,
  /** Live connections one user or API key may hold at once (tabs, wallboards); beyond, the handshake is refused. */
  maxSocketsPerPrincipal: 50,
  /**
   * Seconds a handshake refused for `maxSocketsPerPrincipal` is told to wait: a connection dropped
   * without a goodbye (a network blip) is held until socket.io's ping timeout (25 + 20 s).
   */
  retryAfterSocketCapS: 30,
} as const;

/**
 * The live handshake's `auth` (socket.io-client's `auth` option). `token`: an API key (browsers
 * send their session cookie instead). `transactions: false`: no transaction batches on this
 * socket even for an analyst — the alert pages open a socket for `alert` / `alert_ack` only and
 * drew the whole feed (up to 10 batches of 200 a second) they never show.
 */
export interface LiveHandshakeAuth {
  token?: string;
  transactions?: boolean;
}

/**
 * `data` of a live handshake refusal that passes (the per-IP rate limit, the connection cap):
 * socket.io never retries a refusal by itself, so the client connects again after `retryAfterS`.
 */
export interface LiveRetryData {
  retryAfterS: number;
}
