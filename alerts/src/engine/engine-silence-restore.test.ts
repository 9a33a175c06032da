// Guards the restore of silences saved by an earlier release: one whose regex backtracks exponentially or chains many quantifiers (accepted before 2c16e53 / f52d967) is ended at start and said, the others are kept as saved.
import { expect, it } from 'vitest';
import { createAlertEngine } from './engine.js';
import { parseAlertsConfig } from '../config/load.js';
import type { Silence } from '../mute/silences.js';
import { createMemoryAlertStateStore } from '../state/store.js';

const NOW = Date.UTC(2026, 10, 26, 12, 0);
const HOUR = 3_600_000;

const silence = (id: string, value: string): Silence => ({
  id,
  matchers: [{ name: 'alertname', op: '=~', value }],
  starts_at: NOW - HOUR,
  ends_at: NOW + 24 * HOUR,
  created_by: 'ops',
  comment: 'maintenance',
  created_at: NOW - HOUR,
});

it('ends a restored silence whose regex backtracks exponentially and keeps the others', async () => {
  // Was: restored as saved — `(\w+)+x` took ≈ 1 s per 24-character alert name, every alert on
  // every evaluation, until the silence ended (a day here).
  const store = createMemoryAlertStateStore();
  await store.save({
    silences: [
      silence('bad', '(\\w+)+x'),
      // Polynomial: `.*` ×10 took 1.2 s on a 24-character alert name.
      silence('chain', `${'.*'.repeat(12)}x`),
      silence('ok', 'provider_.*|(country|bin)_drop'),
    ],
  });
  const warned: string[] = [];
  const logger = {
    info: () => undefined,
    error: () => undefined,
    warn: (o: object) => warned.push(JSON.stringify(o)),
  };
  const engine = createAlertEngine(
    { store, now: () => NOW, logger },
    parseAlertsConfig(
      'reporting_currency: EUR\nrules: []\nroute: { receiver: none }\nreceivers: [{ name: none, channels: [] }]\n',
    ),
  );
  await engine.start();
  try {
    const byId = new Map(engine.silences().map((s) => [s.id, s.ends_at]));
    expect([byId.get('bad'), byId.get('chain')]).toEqual([NOW, NOW]);
    expect(byId.get('ok')).toBe(NOW + 24 * HOUR);
    expect(warned).toEqual([JSON.stringify({ silence: 'bad' }), JSON.stringify({ silence: 'chain' })]);
  } finally {
    await engine.stop();
  }
  // Saved ended: the next start does not find it active again.
  expect((await store.load()).silences.find((s) => s.id === 'bad')?.ends_at).toBe(NOW);
});
