import type { DeliveryReason } from '@paywatch/contracts';
import type { SummaryMessage } from '../detect/summary.js';

/** One alert as notifications show it (built from an AlertState by the engine). */
export interface NotifyAlert {
  id: string;
  rule: string;
  /** Labels, including `alertname` (the rule) and `severity`, and the `finding_labels`. */
  labels: Record<string, string>;
  /**
   * The labels of `labels` the episode's findings added (the alert state's `finding_labels`, e.g.
   * the shoppers' `country` a provider's failures concentrate on): not part of the alert's
   * identity (`id`), and they can appear mid-episode. Alertmanager forwarding sends them as
   * annotations, so the label set Alertmanager identifies the alert by stays the same.
   */
  finding_labels?: Record<string, string>;
  status: 'firing' | 'resolved';
  /** Epoch ms (event time) when the episode started / resolved (null while firing). */
  starts_at: number;
  ends_at: number | null;
  /** English sentence; `message` (when set) is the same as data, rendered in the receiver's language. */
  summary: string;
  message?: SummaryMessage | null;
  value: number | null;
  expected: number | null;
  lower: number | null;
  upper: number | null;
  revenue_at_risk: number;
  reporting_currency: string;
  samples: string[];
  contributors: { key: string; value: number }[];
  dashboard_url: string;
  acknowledged_by: string | null;
  /**
   * When its acknowledgement was withdrawn this episode (wall clock; the alert state's
   * `unacknowledged_at`): escalation counts from there, not from `starts_at`.
   */
  unacknowledged_at?: number | null;
  /**
   * Flapping (the alert state's `flapping`): routing sends nothing about it — no reminder, no
   * escalation — until it settles and its settled status is notified.
   */
  flapping?: boolean;
}

export type Locale = 'en' | 'zh';

/** What a channel sends: one group of alerts for one receiver. */
export interface Notification {
  receiver: string;
  group_key: string;
  group_labels: Record<string, string>;
  /** `firing` when any alert in the group fires. */
  status: 'firing' | 'resolved';
  alerts: NotifyAlert[];
  locale: Locale;
  /**
   * Why this was sent: a new group, an update, a repeat, an escalation, a test, or a `refresh` of
   * still-firing alerts to channels that forget them otherwise (`Channel.keepAliveMs`).
   */
  reason: DeliveryReason;
  /**
   * When the dispatcher sent it (epoch ms, wall clock; absent for tests and previews): a
   * reminder (`repeat`) says how long its alerts have been firing.
   */
  sent_at?: number;
  external_url: string;
}

/**
 * A notification channel (Slack, DingTalk, email…). `send` resolves once the platform
 * accepted the message and rejects with a `ChannelError` otherwise. Stateless apart from its
 * config; safe to call concurrently.
 */
export interface Channel {
  readonly type: string;
  /** A label for logs that never contains a secret (e.g. the webhook host). */
  readonly target: string;
  /**
   * Firing alerts this channel delivered expire unless sent again within this time (Alertmanager
   * resolves an alert at its `endsAt`); the dispatcher re-sends them to such channels only.
   */
  readonly keepAliveMs?: number;
  send(n: Notification, signal?: AbortSignal): Promise<void>;
}

/** A failed send; `retryable` says whether trying again may help (5xx, 429, network). */
export class ChannelError extends Error {
  readonly retryable: boolean;
  readonly status: number | null;
  constructor(message: string, opts: { retryable: boolean; status?: number | null; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ChannelError';
    this.retryable = opts.retryable;
    this.status = opts.status ?? null;
  }
}
