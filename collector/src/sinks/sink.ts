import type { PaymentEvent } from '@paywatch/contracts';
import type { Logger } from '../lib/logger.js';

/**
 * A best-effort consumer of stored events (metrics, live stream, alert engine). It receives
 * only events that were durably stored, masked. It must not throw into the pipeline; the
 * fan-out isolates each sink anyway.
 */
export interface Sink {
  readonly name: string;
  consume(events: readonly PaymentEvent[]): void | Promise<void>;
}

/**
 * Delivers a batch to every sink. A failing or slow sink never blocks or fails the others,
 * and never fails the ingest request: the events are already durable.
 */
export function createFanOut(sinks: readonly Sink[], logger: Logger): Sink {
  const log = logger.child({ component: 'fan-out' });
  return {
    name: 'fan-out',
    consume(events) {
      for (const s of sinks) {
        try {
          const r = s.consume(events);
          if (r instanceof Promise)
            r.catch((err: unknown) => log.error({ err, sink: s.name }, 'sink failed'));
        } catch (err) {
          log.error({ err, sink: s.name }, 'sink failed');
        }
      }
    },
  };
}
