import type { Registry } from 'prom-client';
import type { AlertEngine } from '@paywatch/alerts';
import { pullMetrics } from '../metrics/pull-metrics.js';
import type { WarmupStatus } from './engine-warmup.js';

/**
 * The alert engine's event-time bookkeeping on a registry, read from `engine.stats()` at scrape
 * time (the engine knows nothing of prom-client). Totals since the engine started, so gauges:
 * late events (dropped: their minute was already judged), history events (a back-fill judged
 * in event time, never paged), future events (dropped: stamped ahead of the wall clock),
 * minutes skipped unjudged after a back-fill, and card-testing attempts left out of the series
 * rules. Used by `paywatch alerts` and, through `AlertsInCollector.registerMetrics`, by a
 * collector running the engine in process.
 */
export function registerAlertEngineMetrics(registry: Registry, engine: Pick<AlertEngine, 'stats'>): void {
  const { gauge } = pullMetrics(registry, () => engine.stats());
  gauge(
    'paywatch_alerts_engine_late_events',
    'Events the engine dropped because their event-time minute had already closed (since start)',
    (s) => s.late_events,
  );
  gauge(
    'paywatch_alerts_engine_history_events',
    'Events judged as history: a back-fill more than allowed_lateness + 5 min behind the wall clock, fed to the baselines, never paged (since start)',
    (s) => s.history_events,
  );
  gauge(
    'paywatch_alerts_engine_future_events',
    'Events dropped because they were stamped more than 2 minutes ahead of the wall clock (since start)',
    (s) => s.future_events,
  );
  gauge(
    'paywatch_alerts_engine_skipped_minutes',
    'Event-time minutes without any event skipped unjudged between a back-fill and the present (since start)',
    (s) => s.skipped_minutes,
  );
  gauge(
    'paywatch_alerts_engine_excluded_events',
    'Small attempts of an active card-testing burst left out of the series rules (success rates, slices, forecast, decline mix, SLO) so the burst pages once, as card testing (since start)',
    (s) => s.excluded_events,
  );
}

/**
 * The warm-up of a fresh in-collector engine from the store (engine-warmup.ts), read at scrape
 * time: events fed, seconds taken, live events held and dropped meanwhile, whether it runs.
 */
export function registerWarmupMetrics(registry: Registry, status: () => WarmupStatus): void {
  const { gauge } = pullMetrics(registry, status);
  gauge(
    'paywatch_alerts_engine_warmup_events',
    'Stored events fed to a fresh alert engine at start (no detector snapshot), before any live event',
    (s) => s.events,
  );
  gauge(
    'paywatch_alerts_engine_warmup_seconds',
    'Wall-clock seconds the warm-up from the store took (so far, while it runs)',
    (s) => s.seconds,
  );
  gauge(
    'paywatch_alerts_engine_warmup_running',
    '1 while the alert engine warms up from the store (live events are held meanwhile)',
    (s) => (s.state === 'running' ? 1 : 0),
  );
  gauge(
    'paywatch_alerts_engine_warmup_held_events',
    'Live events held back from the engine during the warm-up, then fed in order',
    (s) => s.held,
  );
  gauge(
    'paywatch_alerts_engine_warmup_dropped_events',
    'Live events dropped for the engine during the warm-up (beyond the hold bound; they are stored)',
    (s) => s.dropped,
  );
}
