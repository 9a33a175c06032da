import { randomBytes } from 'node:crypto';
import type { PaymentEvent } from '@paywatch/contracts';
import { normalizeStep } from '../pipeline/steps/normalize.step.js';
import { createMasker } from '../pipeline/steps/mask.step.js';
import { validateStep } from '../pipeline/steps/validate.step.js';
import { wellFormedStep } from '../pipeline/steps/well-formed.step.js';
import type { Command } from './command.js';

/**
 * Replay reads events through the collector's own well-formed → validate → normalize → mask steps, so
 * detectors see exactly what live ingest would store. Refs are hashed with a key made for this
 * run (grouping stays consistent within the run; nothing is persisted).
 */
export function replayNormalizer(): (raw: unknown, receivedAt: number) => PaymentEvent | string {
  const masker = createMasker(randomBytes(32));
  return (raw, receivedAt) => {
    // Well-formed text first, as live ingest of non-API sources does (pipeline.ts).
    const v = validateStep(wellFormedStep(raw, 'replay'));
    const n = v.ok ? normalizeStep(v.value, { source: 'replay', receivedAt }) : v;
    if (!n.ok) return n.errors.map((e) => `${e.path || '(event)'}: ${e.reason}`).join('; ');
    return masker.maskEvent(n.value);
  };
}

export const detectCommand: Command = {
  name: 'detect',
  summary: 'Score a timestamp,value CSV with the production univariate anomaly detector',
  run: async (argv, io) => (await import('@paywatch/alerts')).detectCommand(argv, io),
};

export const silenceCommand: Command = {
  name: 'silence',
  summary: 'Add, list or expire alert silences on a running collector (or alerts service) via its API',
  run: async (argv, io) => (await import('@paywatch/alerts')).silenceCommand(argv, io),
};

export const replayCommand: Command = {
  name: 'replay',
  summary: 'Replay historical events through the alert detectors in event time; write alert transitions',
  run: async (argv, io) => {
    const { replayCommand: replay } = await import('@paywatch/alerts');
    const { processEnv } = await import('../config.js');
    return replay(argv, io, { normalize: replayNormalizer(), env: processEnv() });
  },
};
