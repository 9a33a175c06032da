// Guards log tailing across collector restarts: lines written while the collector is down (and a rename rotation meanwhile) are read on the next start from the offsets kept in the data dir, none lost and none stored twice.
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PaymentEvent } from '@paywatch/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startServer, type RunningServer } from '../src/main.js';

const dir = mkdtempSync(join(tmpdir(), 'paywatch-tail-restart-'));
const dataDir = join(dir, 'data');
const logDir = join(dir, 'logs');
const logFile = join(logDir, 'pay.log');
const T = Date.now() - 60_000;

function config() {
  return loadConfig({
    PAYWATCH_DATA_DIR: dataDir,
    PAYWATCH_PORT: '0',
    PAYWATCH_HASH_KEY: 'integration-test-hash-key-0123456789',
    PAYWATCH_ADMIN_PASSWORD: 'integration-admin-password-0123',
    PAYWATCH_LOG_LEVEL: 'warn',
    PAYWATCH_LOG_TAIL_CONFIG: join(dir, 'tail.yaml'),
  });
}

const line = (i: number) =>
  `ts=${T + i} kind=payment payment_id=ptr_${i} status=succeeded amount=${100 + i} currency=USD provider=stripe\n`;

async function events(s: RunningServer): Promise<PaymentEvent[]> {
  const page = await s.store.transactions({
    from: T - 1000,
    to: T + 60_000,
    filters: {},
    limit: 100,
    cursor: null,
  });
  return page.items;
}

async function until(s: RunningServer, n: number): Promise<PaymentEvent[]> {
  const end = Date.now() + 15_000;
  for (;;) {
    const got = await events(s);
    if (got.length >= n || Date.now() > end) return got;
    await new Promise((r) => setTimeout(r, 100));
  }
}

let running: RunningServer | null = null;
afterAll(async () => {
  await running?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('log tail across restarts (whole collector)', () => {
  it('reads what was written while stopped, including a rotated file, exactly once', async () => {
    writeFileSync(
      join(dir, 'tail.yaml'),
      `poll_ms: 50
files:
  - path: ${logDir}/*.log
    format: logfmt
    payment:
      when: { field: kind, equals: payment }
      fields: { payment_id: payment_id, status: status, amount: amount, currency: currency, provider: provider, ts: ts }
      defaults: { method: card, merchant_id: restart_m }
`,
    );
    mkdirSync(logDir, { recursive: true });
    writeFileSync(logFile, line(1) + line(2) + line(3));

    running = await startServer(config(), { dashboard: false, defaultMetrics: false });
    expect((await until(running, 3)).map((e) => e.payment_id).sort()).toEqual(['ptr_1', 'ptr_2', 'ptr_3']);
    await running.close();
    running = null;

    // While stopped: two more lines, then rotation (rename) and a new file with one line.
    appendFileSync(logFile, line(4) + line(5));
    renameSync(logFile, join(logDir, 'pay.log.1'));
    writeFileSync(logFile, line(6));

    running = await startServer(config(), { dashboard: false, defaultMetrics: false });
    const got = await until(running, 6);
    await new Promise((r) => setTimeout(r, 500)); // a few more polls: nothing else may arrive
    const after = await events(running);
    expect(after.map((e) => e.payment_id).sort()).toEqual([
      'ptr_1',
      'ptr_2',
      'ptr_3',
      'ptr_4',
      'ptr_5',
      'ptr_6',
    ]);
    expect(got.length).toBe(6);
    expect(after.every((e) => e.source === 'log' && e.merchant_id === 'restart_m')).toBe(true);
    // Offsets were honoured: the second run re-sent nothing (no duplicates reached the pipeline).
    const ingest = await running.metrics.registry.getSingleMetricAsString('paywatch_ingest_events_total');
    expect(ingest).toMatch(
      /paywatch_ingest_events_total\{[^}]*source="log"[^}]*result="accepted"[^}]*\} 3\n/,
    );
    expect(ingest).not.toMatch(/source="log"[^}]*result="duplicate"[^}]*\} [1-9]/);
  }, 60_000);
});
