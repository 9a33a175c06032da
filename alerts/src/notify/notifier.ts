import { createChannel, secretsOf } from './channels/registry.js';
import type { ChannelDeps, ChannelSpec } from './channels/registry.js';
import type { DeliveryLog } from './delivery-log.js';
import type { Channel, Locale, Notification } from './types.js';
import { ChannelError } from './types.js';

/** A named receiver: one or more channels, a message language, an optional fallback receiver. */
export interface ReceiverConfig {
  name: string;
  locale: Locale;
  channels: ChannelSpec[];
  fallback?: string | undefined;
}

export interface RetryPolicy {
  max_attempts: number;
  base_delay_ms: number;
  max_delay_ms: number;
}

export const DEFAULT_RETRY: RetryPolicy = { max_attempts: 4, base_delay_ms: 500, max_delay_ms: 30_000 };

/** Outcome of notifying one receiver. */
export interface NotifyOutcome {
  /** At least one channel of the receiver itself accepted the notification. */
  ok: boolean;
  sent: number;
  failed: number;
  /** The fallback receiver tried because every channel failed, else null. */
  fallback: string | null;
  /**
   * Someone heard it: the receiver itself (`ok`) or, when every channel failed, its fallback.
   * The dispatcher records a delivered notification as notified (so the fallback is not paged
   * again every group_interval, and the resolve follows the same way).
   */
  delivered: boolean;
}

/**
 * Sends notifications to receivers: fan-out over the receiver's channels (one failing
 * channel never blocks the others), each with retries and exponential backoff for retryable
 * failures only, every outcome in the delivery log, and the fallback receiver when every
 * channel of a receiver failed.
 *
 * The channels of a receiver are sent independently: `notify` and `refresh` resolve as soon as
 * one channel accepted (its `sent`/`failed` count the channels done by then) — an Alertmanager
 * that hangs (≈ 45 s of retries) no longer holds the group, so the Slack page of its next update
 * is not held behind it — and the other channels go on in the background, each logged when done
 * (`idle()` settles once they are). Each channel hears one group's notifications in the order
 * they were made: a send waits for that channel's earlier send of the same group (a resolve never
 * overtakes a refresh or a firing still being retried there).
 */
export interface Notifier {
  notify(receiver: string, n: Omit<Notification, 'receiver' | 'locale'>): Promise<NotifyOutcome>;
  /**
   * Re-sends still-firing alerts to the receiver's channels that forget them otherwise
   * (`Channel.keepAliveMs`: Alertmanager), logged with reason `refresh`; no fallback.
   */
  refresh(receiver: string, n: Omit<Notification, 'receiver' | 'locale' | 'reason'>): Promise<NotifyOutcome>;
  /** Settles once every channel send started so far is done (those still going after `notify` resolved too). */
  idle(): Promise<void>;
  /** The shortest `keepAliveMs` of the receiver's channels; null when none needs refreshing. */
  keepAliveMs(receiver: string): number | null;
  /** Sends a synthetic "test" notification (the send-test API); resolves once every channel is done. */
  test(receiver: string): Promise<NotifyOutcome>;
  receivers(): string[];
  /** Every configured secret (for redaction). */
  secrets(): string[];
  /**
   * Cuts off every send under way and every retry wait (a graceful stop past its deadline): each
   * ends at once as failed (`error: "aborted: shutting down"` in the delivery log), so the
   * dispatcher does not record it as notified and it goes out after the restart. Sends after it
   * fail the same way. Idempotent.
   */
  abort(): void;
}

/** The delivery-log error of a send cut off by `Notifier.abort`. */
export const ABORTED_ERROR = 'aborted: shutting down';

export interface NotifierDeps {
  log: DeliveryLog;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  channelDeps?: ChannelDeps;
  /** Overrides channel construction (tests count calls with real channels wrapped). */
  createChannel?: (spec: ChannelSpec, deps: ChannelDeps) => Channel;
  random?: () => number;
}

/** The text of a test notification for `tested`, delivered by `fallback` when that is not null. */
function testSummary(locale: Locale, tested: string, fallback: string | null): string {
  if (locale === 'zh')
    return fallback
      ? `paywatch 测试通知（接收方 "${tested}"）：其所有渠道均发送失败，本消息经由备用接收方 "${fallback}" 送达。`
      : `paywatch 测试通知：接收方 "${tested}" 工作正常。`;
  return fallback
    ? `Test notification from paywatch for receiver "${tested}": every channel of it failed, so it came through its fallback "${fallback}".`
    : `Test notification from paywatch: receiver "${tested}" works.`;
}

export function createNotifier(
  deps: NotifierDeps,
  config: {
    receivers: ReceiverConfig[];
    retry?: RetryPolicy;
    /** `externalURL` of the test notification (a function: read when sent). */
    external_url?: () => string;
    /** Dashboard base URL for the test notification's link (a function: read when sent). */
    dashboard_url?: () => string;
    reporting_currency?: string;
  },
): Notifier {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const retry = config.retry ?? DEFAULT_RETRY;
  const make = deps.createChannel ?? createChannel;
  const stopping = new AbortController();
  /** Rejects when `abort()` is called: raced against every send (email ignores the signal) and retry wait. */
  const aborted = new Promise<never>((_, reject) =>
    stopping.signal.addEventListener('abort', () => reject(new Error(ABORTED_ERROR)), { once: true }),
  );
  aborted.catch(() => undefined);
  const byName = new Map(
    config.receivers.map((r) => [
      r.name,
      { cfg: r, channels: r.channels.map((c) => make(c, deps.channelDeps ?? {})) },
    ]),
  );

  /**
   * The tail of each receiver × channel × group's sends (`lane`): a channel hears a group's
   * notifications in order, apart from the receiver's other channels.
   */
  const lanes = new Map<string, Promise<void>>();
  /** Every channel send under way (`idle`). */
  const underway = new Set<Promise<void>>();
  function inLane<T>(key: string, run: () => Promise<T>): Promise<T> {
    const p = (lanes.get(key) ?? Promise.resolve()).then(run);
    const tail = p.then(
      () => undefined,
      () => undefined,
    );
    lanes.set(key, tail);
    underway.add(tail);
    void tail.then(() => {
      underway.delete(tail);
      if (lanes.get(key) === tail) lanes.delete(key);
    });
    return p;
  }

  async function sendWithRetry(
    ch: Channel,
    n: Notification,
  ): Promise<{ attempts: number; error: string | null }> {
    let attempt = 0;
    for (;;) {
      if (stopping.signal.aborted) return { attempts: attempt, error: ABORTED_ERROR };
      attempt++;
      try {
        await Promise.race([ch.send(n, stopping.signal), aborted]);
        return { attempts: attempt, error: null };
      } catch (e) {
        // Cut off by abort(): whatever the platform got, it is not counted as delivered.
        if (stopping.signal.aborted) return { attempts: attempt, error: ABORTED_ERROR };
        const retryable = e instanceof ChannelError ? e.retryable : true;
        const msg = e instanceof Error ? e.message : String(e);
        if (!retryable || attempt >= retry.max_attempts) return { attempts: attempt, error: msg };
        const delay = Math.min(retry.max_delay_ms, retry.base_delay_ms * 2 ** (attempt - 1));
        try {
          await Promise.race([sleep(delay * (0.5 + random() / 2)), aborted]); // jitter: 50–100 %
        } catch {
          return { attempts: attempt, error: ABORTED_ERROR };
        }
      }
    }
  }

  async function notifyInner(
    receiver: string,
    base: Omit<Notification, 'receiver' | 'locale'>,
    fallbackFor: string | null,
    only?: (ch: Channel) => boolean,
    /** Resolve only once every channel is done (the test API reports them all). */
    waitAll = false,
  ): Promise<NotifyOutcome> {
    const r = byName.get(receiver);
    if (!r) {
      deps.log.append({
        at: now(),
        receiver,
        channel: 'none',
        target: '',
        group_key: base.group_key,
        reason: base.reason,
        alert_ids: base.alerts.map((a) => a.id),
        status: 'failed',
        attempts: 0,
        error: `unknown receiver "${receiver}"`,
        duration_ms: 0,
        fallback_for: fallbackFor,
      });
      return { ok: false, sent: 0, failed: 1, fallback: null, delivered: false };
    }
    // A receiver without channels (the default pack's placeholder) accepts and drops.
    if (r.channels.length === 0) return { ok: true, sent: 0, failed: 0, fallback: null, delivered: true };
    const n: Notification = {
      ...base,
      receiver,
      locale: r.cfg.locale,
      // A test says, in the receiver's language, which receiver it tests and whether it came
      // through the fallback (the fallback's people must not read "this receiver works").
      ...(base.reason === 'test'
        ? {
            alerts: base.alerts.map((a) => ({
              ...a,
              summary: testSummary(r.cfg.locale, fallbackFor ?? receiver, fallbackFor ? receiver : null),
            })),
          }
        : {}),
    };
    let sent = 0;
    let failed = 0;
    const legs = r.channels.flatMap((ch, i) =>
      only && !only(ch)
        ? []
        : [
            inLane(`${receiver}\u0000${i}\u0000${n.group_key}`, async () => {
              const t0 = now();
              const res = await sendWithRetry(ch, n);
              deps.log.append({
                at: now(),
                receiver,
                channel: ch.type,
                target: ch.target,
                group_key: n.group_key,
                reason: n.reason,
                alert_ids: n.alerts.map((a) => a.id),
                status: res.error === null ? 'sent' : 'failed',
                attempts: res.attempts,
                error: res.error,
                duration_ms: now() - t0,
                fallback_for: fallbackFor,
              });
              if (res.error === null) sent++;
              else failed++;
              return res.error === null;
            }),
          ],
    );
    const all = Promise.all(legs);
    // The first channel that accepts decides (someone heard it); the others go on in their lanes.
    const anyOk = waitAll
      ? (await all).some(Boolean)
      : await new Promise<boolean>((resolve) => {
          for (const leg of legs)
            void leg.then(
              (ok) => ok && resolve(true),
              () => undefined,
            );
          void all.then(
            () => resolve(false),
            () => resolve(false),
          );
        });
    if (anyOk) return { ok: true, sent, failed, fallback: null, delivered: true };
    let fallback: string | null = null;
    let delivered = sent > 0;
    if (sent === 0 && !only && r.cfg.fallback && fallbackFor === null && r.cfg.fallback !== receiver) {
      fallback = r.cfg.fallback;
      delivered = (await notifyInner(r.cfg.fallback, base, receiver, undefined, waitAll)).ok;
    }
    return { ok: sent > 0, sent, failed, fallback, delivered };
  }

  return {
    notify: (receiver, n) => notifyInner(receiver, n, null),
    refresh: (receiver, n) =>
      notifyInner(receiver, { ...n, reason: 'refresh' }, null, (ch) => ch.keepAliveMs !== undefined),
    keepAliveMs(receiver) {
      const ms = (byName.get(receiver)?.channels ?? []).flatMap((ch) =>
        ch.keepAliveMs === undefined ? [] : [ch.keepAliveMs],
      );
      return ms.length ? Math.min(...ms) : null;
    },
    test(receiver) {
      const t = now();
      return notifyInner(
        receiver,
        {
          group_key: `test:${receiver}`,
          group_labels: { alertname: 'paywatch_test' },
          status: 'firing',
          reason: 'test',
          external_url: config.external_url?.() ?? '',
          alerts: [
            {
              id: 'test',
              rule: 'paywatch_test',
              labels: { alertname: 'paywatch_test', severity: 'info' },
              status: 'firing',
              starts_at: t,
              ends_at: null,
              summary: testSummary('en', receiver, null),
              value: null,
              expected: null,
              lower: null,
              upper: null,
              revenue_at_risk: 0,
              reporting_currency: config.reporting_currency ?? 'USD',
              samples: [],
              contributors: [],
              dashboard_url: config.dashboard_url?.() ?? 'http://localhost',
              acknowledged_by: null,
            },
          ],
        },
        null,
        undefined,
        true,
      );
    },
    idle: () => Promise.all([...underway]).then(() => undefined),
    receivers: () => [...byName.keys()],
    secrets: () => config.receivers.flatMap((r) => r.channels.flatMap(secretsOf)),
    abort: () => stopping.abort(),
  };
}
