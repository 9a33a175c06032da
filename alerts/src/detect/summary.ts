import { summaryEn } from '@paywatch/contracts';
import type { SummaryMessage } from '@paywatch/contracts';
import type { Evaluation } from './types.js';

// The sentences and their one formatter live in contracts (alert-summary.ts), shared with the
// dashboard, which renders an alert's `message` in the UI language. Re-exported here so the
// detectors, the engine and the notifiers keep one import.
export { summaryText, summaryEn, SummaryMessageSchema } from '@paywatch/contracts';
export type {
  SummaryMessage,
  SummaryParams,
  SummaryLocale,
  LearningWhat,
  RetireReason,
} from '@paywatch/contracts';

/**
 * The summary fields of an evaluation for message `m`: the data and its English sentence.
 * Detectors spread this into their `Evaluation`.
 */
export function say(m: SummaryMessage): Pick<Evaluation, 'summary' | 'message'> {
  return { summary: summaryEn(m), message: m };
}
