import { z } from 'zod';
import { SERIES_METRICS } from './types.js';
import type { Evaluation } from './types.js';
import { say } from './summary.js';
import type { SummaryMessage } from './summary.js';

/** Fields every series detector spec shares. */
export const SeriesBaseSchema = z.object({
  metric: z.enum(SERIES_METRICS).default('success_rate'),
  /** Minutes aggregated into each evaluation (sliding, ending at the evaluated minute). */
  window_minutes: z.number().int().min(1).max(1440).default(5),
});

export const DirectionSchema = z.enum(['drop', 'spike', 'both']);
export type Direction = z.infer<typeof DirectionSchema>;

/** An evaluation with nothing to say (used for warm-up and gated points). */
export function quiet(
  at: number,
  verdict: Evaluation['verdict'],
  value: number | null,
  message: SummaryMessage | null = null,
): Evaluation {
  return {
    at,
    verdict,
    value,
    expected: null,
    lower: null,
    upper: null,
    score: 0,
    revenue_at_risk: 0,
    ...(message ? say(message) : { summary: '', message: null }),
  };
}

/** Which way a value left its band; null inside. */
export function outside(
  value: number,
  lower: number,
  upper: number,
  direction: Direction,
): 'below' | 'above' | null {
  if (value < lower && direction !== 'spike') return 'below';
  if (value > upper && direction !== 'drop') return 'above';
  return null;
}
