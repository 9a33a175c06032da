import { outcomeOf, toMajorUnits, type PaymentEvent } from '@paywatch/contracts';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PipelineHooks } from '../pipeline/pipeline.js';
import type { SinkQueueHooks } from '../sinks/queued.sink.js';
import type { Sink } from '../sinks/sink.js';

/** Latency buckets in seconds: payment authorizations take 100 ms – 10 s; timeouts sit at 30–60 s. */
export const PAYMENT_LATENCY_BUCKETS = [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 8, 13, 21, 34, 60];
export const STORE_WRITE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Observer of store writes (the instrumented writer calls it). */
export interface StoreWriteHooks {
  writeStarted(events: number): void;
  writeFinished(events: number, seconds: number, ok: boolean): void;
}

/**
 * Everything paywatch exposes at `/metrics`, on its own Registry (never the global one).
 * Label values are bounded: the contract's enums, plus `country` restricted to a configured
 * list (others → `other`). Ids never become labels.
 */
export interface Metrics {
  readonly registry: Registry;
  /** Counts stored payments (a sink: only durable, masked events reach it). */
  readonly sink: Sink;
  readonly pipelineHooks: PipelineHooks;
  readonly storeHooks: StoreWriteHooks;
  readonly webhookHooks: WebhookHooks;
  /** Depth and drops of the asynchronous sink queues (the alert engine's). */
  readonly sinkQueueHooks: SinkQueueHooks;
}

/** Observer of the webhook source (bounded labels: provider enum, reject reason enum). */
export interface WebhookHooks {
  rejected(provider: string, reason: string): void;
  replayed(provider: string): void;
  accepted(provider: string, events: number): void;
}

/** One provider × method of a batch in the metrics sink (summed before prom-client sees it). */
interface BatchGroup {
  provider: string;
  method: string;
  /** status → country → events */
  paid: Map<string, Map<string, number>>;
  /** currency → major units of successful payments */
  gmv: Map<string, number>;
  /** failure category → failed attempts */
  failed: Map<string, number>;
  /** latencies (s) of attempts with an outcome, in event order */
  latencies: number[];
}

const newGroup = (provider: string, method: string): BatchGroup => ({
  provider,
  method,
  paid: new Map(),
  gmv: new Map(),
  failed: new Map(),
  latencies: [],
});

export function createMetrics(opts: { countries: ReadonlySet<string>; defaultMetrics?: boolean }): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false)
    collectDefaultMetrics({ register: registry, prefix: 'paywatch_process_' });

  const payments = new Counter({
    name: 'paywatch_payments_total',
    help: 'Payment events stored, by provider, method, status and country.',
    labelNames: ['provider', 'method', 'status', 'country'] as const,
    registers: [registry],
  });
  const amount = new Counter({
    name: 'paywatch_payment_amount_total',
    help: 'Amount of successful payments in major units of their currency.',
    labelNames: ['provider', 'method', 'currency'] as const,
    registers: [registry],
  });
  const failures = new Counter({
    name: 'paywatch_payment_failures_total',
    help: 'Failed payment attempts by normalized failure category.',
    labelNames: ['provider', 'method', 'category'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'paywatch_payment_latency_seconds',
    help: 'Provider latency of payment attempts with an outcome.',
    labelNames: ['provider', 'method'] as const,
    buckets: PAYMENT_LATENCY_BUCKETS,
    registers: [registry],
  });
  const ingest = new Counter({
    name: 'paywatch_ingest_events_total',
    help: 'Events received by source and result (accepted, duplicate, rejected).',
    labelNames: ['source', 'result'] as const,
    registers: [registry],
  });
  const writeSeconds = new Histogram({
    name: 'paywatch_store_write_duration_seconds',
    help: 'Duration of durable store writes (one call, possibly group-committed with others).',
    labelNames: ['result'] as const,
    buckets: STORE_WRITE_BUCKETS,
    registers: [registry],
  });
  const queue = new Gauge({
    name: 'paywatch_store_write_queue_events',
    help: 'Events handed to the store and not yet durably written.',
    registers: [registry],
  });

  const sinkQueue = new Gauge({
    name: 'paywatch_sink_queue_events',
    help: 'Stored events waiting for an asynchronous sink (the alert engine), by sink.',
    labelNames: ['sink'] as const,
    registers: [registry],
  });
  const sinkDropped = new Counter({
    name: 'paywatch_sink_dropped_events_total',
    help: 'Stored events an asynchronous sink never saw because its queue was full, by sink.',
    labelNames: ['sink'] as const,
    registers: [registry],
  });

  const webhookRejected = new Counter({
    name: 'paywatch_webhook_rejected_total',
    help: 'Webhook deliveries refused (forged, stale, unparseable, probe…), by provider and reason.',
    labelNames: ['provider', 'reason'] as const,
    registers: [registry],
  });
  const webhookDeliveries = new Counter({
    name: 'paywatch_webhook_deliveries_total',
    help: 'Verified webhook deliveries by provider and result (accepted, replay).',
    labelNames: ['provider', 'result'] as const,
    registers: [registry],
  });

  const country = (c: string | null) => (c !== null && opts.countries.has(c) ? c : 'other');
  const latencyChildren = new Map<string, Map<string, { observe(v: number): void }>>();
  const latencyChild = (provider: string, method: string) => {
    let byMethod = latencyChildren.get(provider);
    if (byMethod === undefined) latencyChildren.set(provider, (byMethod = new Map()));
    let child = byMethod.get(method);
    if (child === undefined) byMethod.set(method, (child = latency.labels({ provider, method })));
    return child;
  };

  return {
    registry,
    sink: {
      name: 'metrics',
      consume(events: readonly PaymentEvent[]) {
        // Counters are summed per label set over the batch first: one prom-client call per
        // series instead of per event (label hashing dominated the sink on large batches).
        // Events are grouped by provider and method in nested maps (no per-event key strings).
        const groups = new Map<string, Map<string, BatchGroup>>();
        for (const e of events) {
          let byMethod = groups.get(e.provider);
          if (byMethod === undefined) groups.set(e.provider, (byMethod = new Map()));
          let g = byMethod.get(e.method);
          if (g === undefined) byMethod.set(e.method, (g = newGroup(e.provider, e.method)));
          let byCountry = g.paid.get(e.status);
          if (byCountry === undefined) g.paid.set(e.status, (byCountry = new Map()));
          const c = country(e.country);
          byCountry.set(c, (byCountry.get(c) ?? 0) + 1);
          const outcome = outcomeOf(e.status);
          if (outcome === 'success') {
            g.gmv.set(e.currency, (g.gmv.get(e.currency) ?? 0) + toMajorUnits(e.amount_minor, e.currency));
          } else if (outcome === 'failure') {
            const f = e.failure?.category ?? 'other';
            g.failed.set(f, (g.failed.get(f) ?? 0) + 1);
          }
          if (outcome !== null && e.latency_ms !== null) g.latencies.push(e.latency_ms / 1000);
        }
        for (const byMethod of groups.values()) {
          for (const g of byMethod.values()) {
            const { provider, method } = g;
            for (const [status, byCountry] of g.paid)
              for (const [c, n] of byCountry) payments.inc({ provider, method, status, country: c }, n);
            for (const [currency, v] of g.gmv) amount.inc({ provider, method, currency }, v);
            for (const [category, n] of g.failed) failures.inc({ provider, method, category }, n);
            if (g.latencies.length > 0) {
              // One labelled child per series (bounded enums): no label object or closure per event.
              const child = latencyChild(provider, method);
              for (const v of g.latencies) child.observe(v);
            }
          }
        }
      },
    },
    pipelineHooks: {
      ingested(source, result, count) {
        if (count > 0) ingest.inc({ source, result }, count);
        else ingest.inc({ source, result }, 0); // keep the series visible at 0
      },
    },
    webhookHooks: {
      rejected: (provider, reason) => webhookRejected.inc({ provider, reason }),
      replayed: (provider) => webhookDeliveries.inc({ provider, result: 'replay' }),
      accepted: (provider) => webhookDeliveries.inc({ provider, result: 'accepted' }),
    },
    sinkQueueHooks: {
      depth: (sink, n) => sinkQueue.set({ sink }, n),
      dropped: (sink, n) => sinkDropped.inc({ sink }, n),
    },
    storeHooks: {
      writeStarted(n) {
        queue.inc(n);
      },
      writeFinished(n, seconds, ok) {
        queue.dec(n);
        writeSeconds.observe({ result: ok ? 'ok' : 'error' }, seconds);
      },
    },
  };
}
