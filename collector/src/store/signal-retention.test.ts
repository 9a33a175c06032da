// Guards signal retention: whole UTC days older than the configured days are deleted, newer records kept, 0 days keeps everything; stop() is idempotent.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../lib/logger.js';
import { createEmbeddedStore } from './embedded/index.js';
import { createSignalRetention } from './signal-retention.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 5, 1);
const logger = createLogger({ level: 'silent' });
let dir: string;
let store: ReturnType<typeof createEmbeddedStore>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paywatch-retention-'));
  store = createEmbeddedStore({ dataDir: dir }, { logger });
  await store.start();
  await store.signals.writeSamples([
    { ts: NOW - 40 * DAY, target: 'gw', series: 'up', labels: {}, value: 1 },
    { ts: NOW - 2 * DAY, target: 'gw', series: 'up', labels: {}, value: 1 },
  ]);
  await store.signals.writeLogs([
    { id: 'old', ts: NOW - 31 * DAY, file: '/a.log', offset: 0, level: 'info', message: 'old', fields: {} },
    { id: 'new', ts: NOW - 29 * DAY, file: '/a.log', offset: 10, level: 'info', message: 'new', fields: {} },
    // Older than 30 days at NOW + 5 h, but on the first day kept: whole UTC days go.
    {
      id: 'edge',
      ts: NOW - 30 * DAY + HOUR,
      file: '/a.log',
      offset: 20,
      level: 'info',
      message: 'edge',
      fields: {},
    },
  ]);
});
afterAll(async () => {
  await store.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('signal retention', () => {
  it('keeps everything with 0 days', async () => {
    const r = createSignalRetention({ eraser: store.signals, logger, now: () => NOW }, { days: 0 });
    expect(await r.runOnce()).toEqual({ samples: 0, logs: 0, rum: 0 });
  });

  it('deletes the whole UTC days older than the configured days and keeps the rest', async () => {
    const r = createSignalRetention(
      { eraser: store.signals, logger, now: () => NOW + 5 * HOUR },
      { days: 30 },
    );
    expect(await r.runOnce()).toEqual({ samples: 1, logs: 1, rum: 0 });
    const logs = await store.signals.searchLogs({ from: 0, to: NOW, limit: 10, cursor: null });
    expect(logs.items.map((l) => l.id)).toEqual(['new', 'edge']);
    const samples = await store.signals.querySamples({ series: 'up', from: 0, to: NOW, limit: 10 });
    expect(samples.map((s) => s.ts)).toEqual([NOW - 2 * DAY]);
    r.start();
    await r.stop();
    await r.stop();
  });
});
