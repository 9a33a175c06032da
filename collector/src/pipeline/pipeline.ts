import type { IngestRejection, PaymentEvent } from '@paywatch/contracts';
import type { Logger } from '../lib/logger.js';
import type { Sink } from '../sinks/sink.js';
import type { EventWriter } from '../store/types.js';
import { dedupeStep } from './steps/dedupe.step.js';
import { type Masker, maskStep } from './steps/mask.step.js';
import { normalizeStep } from './steps/normalize.step.js';
import { validateStep } from './steps/validate.step.js';
import { wellFormedStep } from './steps/well-formed.step.js';
import type { IngestContext, IngestOutcome, Ingestor } from './types.js';

/** Observes pipeline results (the metrics module implements it; domain code knows no prom-client). */
export interface PipelineHooks {
  ingested(
    source: IngestContext['source'],
    result: 'accepted' | 'duplicate' | 'rejected',
    count: number,
  ): void;
}

export interface PipelineDeps {
  writer: EventWriter;
  masker: Masker;
  /** Receives stored events (metrics, live, alerts) after the write is durable. */
  sink: Sink;
  hooks: PipelineHooks;
  logger: Logger;
  now?: () => number;
}

/**
 * The ingest pipeline. The order lives here, one line per step (STYLE.md §1–2):
 * well-formed text (sources other than the events API) → validate → normalize → mask → dedupe →
 * store (durable) → fan-out to sinks.
 */
export function createPipeline(deps: PipelineDeps): Ingestor {
  const now = deps.now ?? Date.now;
  return {
    async ingest(inputs, ctx) {
      const receivedAt = ctx.receivedAt ?? now();
      const errors: IngestRejection[] = [];
      const masked: PaymentEvent[] = [];
      let rejected = 0;
      for (let index = 0; index < inputs.length; index++) {
        const input = wellFormedStep(inputs[index], ctx.source);
        const valid = validateStep(input);
        const normal = valid.ok ? normalizeStep(valid.value, { source: ctx.source, receivedAt }) : valid;
        if (!normal.ok) {
          rejected++;
          // A path quotes metadata keys and a reason may quote a value: masked like the event
          // (they go back to the client and into webhook/log-tail logs).
          for (const e of normal.errors)
            errors.push({
              index,
              ...e,
              path: deps.masker.maskText(e.path),
              reason: deps.masker.maskText(e.reason),
            });
          continue;
        }
        masked.push(maskStep(deps.masker, normal.value));
      }
      const { unique, duplicates: inBatchDuplicates } = dedupeStep(masked);
      const written = unique.length > 0 ? await deps.writer.write(unique) : { inserted: [], duplicates: [] };
      const duplicate = inBatchDuplicates + written.duplicates.length;
      if (written.inserted.length > 0) deps.sink.consume(written.inserted);

      deps.hooks.ingested(ctx.source, 'accepted', written.inserted.length);
      deps.hooks.ingested(ctx.source, 'duplicate', duplicate);
      deps.hooks.ingested(ctx.source, 'rejected', rejected);
      return {
        accepted: written.inserted.length,
        duplicate,
        rejected,
        errors,
        inserted: written.inserted,
      } satisfies IngestOutcome;
    },
  };
}
