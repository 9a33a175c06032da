import type { IngestRejection } from '@paywatch/contracts';

/**
 * What a pipeline step returns for one event (PostHog-style results, no throwing):
 * `ok` continues with a value, `reject` refuses the event with reasons the client sees.
 */
export type StepOutcome<T> = { ok: true; value: T } | { ok: false; errors: Omit<IngestRejection, 'index'>[] };

export const ok = <T>(value: T): StepOutcome<T> => ({ ok: true, value });
export const reject = <T = never>(path: string, reason: string): StepOutcome<T> => ({
  ok: false,
  errors: [{ path, reason }],
});
