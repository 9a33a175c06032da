import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { AlertEngine } from '@paywatch/alerts';
import { registerAlertEngineMetrics } from './alerts-engine.metrics.js';
import type { FeedPollerHooks, FeedPollerStatus } from './feed-poller.js';

const STATES = ['pending', 'firing', 'resolved'] as const;

/** The standalone alert engine's metrics on a registry of its own (never the global one). */
export interface AlertsServiceMetrics {
  registry: Registry;
  hooks: FeedPollerHooks;
}

/**
 * Maps the feed poller's hooks and the engine's state onto prom-client. Labels are bounded:
 * `rule` comes from the configured rule pack, `state` from a fixed list, `outcome` is ok|error.
 */
export function createAlertsServiceMetrics(deps: {
  engine: Pick<AlertEngine, 'list' | 'stats'>;
  feedStatus: () => FeedPollerStatus;
  now?: () => number;
  defaultMetrics?: boolean;
}): AlertsServiceMetrics {
  const now = deps.now ?? Date.now;
  const registry = new Registry();
  if (deps.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const fed = new Counter({
    name: 'paywatch_alerts_feed_events_total',
    help: 'Events read from the store and fed to the alert engine',
    registers: [registry],
  });
  const polls = new Counter({
    name: 'paywatch_alerts_feed_polls_total',
    help: 'Reads of the event feed by outcome',
    labelNames: ['outcome'],
    registers: [registry],
  });
  new Gauge({
    name: 'paywatch_alerts_feed_lag_seconds',
    help: 'Wall clock minus the instant up to which every received event has been fed (includes the configured watermark lag)',
    registers: [registry],
    collect() {
      const p = deps.feedStatus().position;
      if (p !== null) this.set(Math.max(0, (now() - p) / 1000));
    },
  });
  new Gauge({
    name: 'paywatch_alerts',
    help: 'Alert instances by rule and state',
    labelNames: ['rule', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const state of STATES) {
        const counts = new Map<string, number>();
        for (const a of deps.engine.list({ status: state, limit: 100_000 }))
          counts.set(a.rule, (counts.get(a.rule) ?? 0) + 1);
        for (const [rule, n] of counts) this.set({ rule, state }, n);
      }
    },
  });
  registerAlertEngineMetrics(registry, deps.engine);
  polls.inc({ outcome: 'ok' }, 0);
  polls.inc({ outcome: 'error' }, 0);
  return {
    registry,
    hooks: {
      fed: (n) => fed.inc(n),
      polled: (ok) => polls.inc({ outcome: ok ? 'ok' : 'error' }),
    },
  };
}
