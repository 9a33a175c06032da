// Guards log tailing on real files: rename and truncate rotation, partial lines, durable offsets across a restart (nothing lost, nothing repeated).
import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PaymentEventInputSchema } from '@paywatch/contracts';
import { createLogger } from '../../lib/logger.js';
import { captureLogs } from '../../../test/log-capture.js';
import { maskPans } from '../../lib/pan.js';
import type { IngestContext, IngestOutcome, Ingestor } from '../../pipeline/types.js';
import type { LogRecord } from './line-mapper.js';
import { LogTailConfigSchema, type LogTailConfig } from './log-tail.config.js';
import { createLogTailer } from './log-tailer.js';

/** Stands in for the pipeline: validates, dedupes on event_id, and records every input it was sent. */
class MemoryIngestor implements Ingestor {
  readonly sent: Record<string, unknown>[] = [];
  readonly stored = new Map<string, Record<string, unknown>>();
  readonly contexts: IngestContext[] = [];
  async ingest(inputs: readonly unknown[], ctx: IngestContext): Promise<IngestOutcome> {
    const out: IngestOutcome = { accepted: 0, duplicate: 0, rejected: 0, errors: [], inserted: [] };
    this.contexts.push(ctx);
    for (const raw of inputs) {
      this.sent.push(raw as Record<string, unknown>);
      const p = PaymentEventInputSchema.safeParse(raw);
      if (!p.success) {
        out.errors.push({
          index: inputs.indexOf(raw),
          path: p.error.issues[0]?.path.join('.') ?? '',
          reason: p.error.issues[0]?.message ?? 'invalid',
        });
        out.rejected++;
        continue;
      }
      if (this.stored.has(p.data.event_id)) {
        out.duplicate++;
        continue;
      }
      this.stored.set(p.data.event_id, p.data as Record<string, unknown>);
      out.accepted++;
    }
    return out;
  }
}

const logger = createLogger({ level: 'silent' });
let dir: string;
let ingestor: MemoryIngestor;
let records: LogRecord[];
let config: LogTailConfig;

const pay = (pid: string, status = 'succeeded'): string =>
  JSON.stringify({
    event: 'payment',
    pid,
    status,
    amount: 1000,
    currency: 'USD',
    provider: 'stripe',
    ts: '2026-01-15T10:00:00Z',
  }) + '\n';
const tailer = () =>
  createLogTailer(
    {
      ingestor,
      writer: {
        writeLogs: async (r) => {
          records.push(...r);
        },
      },
      logger,
      maskText: maskPans,
    },
    config,
  );
const paymentIds = (): unknown[] => ingestor.sent.map((e) => e['payment_id']);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'paywatch-tail-'));
  ingestor = new MemoryIngestor();
  records = [];
  config = LogTailConfigSchema.parse({
    files: [
      {
        path: join(dir, '*.log'),
        payment: {
          when: { field: 'event', equals: 'payment' },
          fields: {
            payment_id: 'pid',
            status: 'status',
            amount: 'amount',
            currency: 'currency',
            provider: 'provider',
            ts: 'ts',
          },
        },
      },
    ],
    offsets_path: join(dir, 'state', 'offsets.json'),
    poll_ms: 20,
    max_line_bytes: 1024,
  });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('log tailer (real files)', () => {
  it('reads JSON and logfmt lines, waits for partial lines, and stores offsets durably', async () => {
    const file = join(dir, 'app.log');
    writeFileSync(file, pay('p1') + 'level=warn msg="card 4111111111111111 retried"\n' + pay('p2', 'failed'));
    const t = tailer();
    await t.pollOnce();
    expect(paymentIds()).toEqual(['p1', 'p2']);
    expect(ingestor.contexts.every((c) => c.source === 'log')).toBe(true);
    expect(records.map((r) => [r.level, r.message])).toEqual([['warn', 'card 411111…1111 retried']]);
    const offsets = JSON.parse(readFileSync(config.offsets_path, 'utf8')) as {
      files: Record<string, { offset: number }>;
    };
    expect(offsets.files[file]?.offset).toBe(readFileSync(file).length);

    appendFileSync(file, '{"event":"payment","pid":"p3",');
    await t.pollOnce();
    expect(paymentIds()).toEqual(['p1', 'p2']);
    appendFileSync(file, '"status":"succeeded","amount":5,"currency":"EUR","provider":"adyen"}\n');
    await t.pollOnce();
    expect(paymentIds()).toEqual(['p1', 'p2', 'p3']);
    await t.stop();
  });

  it('follows rename rotation (lines written to the old file after rotation included) and truncation', async () => {
    const file = join(dir, 'app.log');
    writeFileSync(file, pay('a1'));
    const t = tailer();
    await t.pollOnce();
    appendFileSync(file, pay('a2'));
    renameSync(file, join(dir, 'app.log.1')); // rotated name does not match *.log
    appendFileSync(join(dir, 'app.log.1'), pay('a3')); // the writer still had the old file open
    writeFileSync(file, pay('b1'));
    await t.pollOnce();
    expect(paymentIds()).toEqual(['a1', 'a2', 'a3', 'b1']);

    truncateSync(file, 0); // copytruncate
    appendFileSync(file, pay('c1'));
    await t.pollOnce();
    expect(paymentIds()).toEqual(['a1', 'a2', 'a3', 'b1', 'c1']);
    await t.stop();
  });

  it('after a restart resumes exactly where it stopped, even when the file was rotated while down', async () => {
    const file = join(dir, 'app.log');
    writeFileSync(file, pay('r1') + pay('r2'));
    const first = tailer();
    await first.pollOnce();
    await first.stop();

    appendFileSync(file, pay('r3'));
    renameSync(file, join(dir, 'app.log.2'));
    appendFileSync(join(dir, 'app.log.2'), pay('r4'));
    writeFileSync(file, pay('r5'));

    const second = tailer();
    await second.pollOnce();
    await second.stop();
    expect(paymentIds()).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(ingestor.stored.size).toBe(5);

    const third = tailer(); // nothing new: nothing re-sent
    await third.pollOnce();
    await third.stop();
    expect(ingestor.sent).toHaveLength(5);
  });

  it('detects a file truncated and rewritten to the same length while paywatch was down', async () => {
    const file = join(dir, 'app.log');
    writeFileSync(file, pay('t1'));
    const first = tailer();
    await first.pollOnce();
    await first.stop();
    writeFileSync(file, pay('t2')); // same inode, same size, new content
    const second = tailer();
    await second.pollOnce();
    await second.stop();
    expect(paymentIds()).toEqual(['t1', 't2']);
  });

  it('stores payment lines written at offsets a truncated file used before (running and while down), not taken for the old lines', async () => {
    // Lines without an event id get one from (file, offset): after copytruncate the same file
    // has new lines at the old offsets, which must not be taken for re-sends of the old ones.
    const file = join(dir, 'app.log');
    writeFileSync(file, pay('g1') + pay('g2'));
    const t = tailer();
    await t.pollOnce();
    truncateSync(file, 0); // copytruncate while running
    appendFileSync(file, pay('h1') + pay('h2'));
    await t.pollOnce();
    await t.stop();
    writeFileSync(file, pay('k1_longer_id') + pay('k2')); // truncated and rewritten while down
    const again = tailer();
    await again.pollOnce();
    await again.stop();
    expect(paymentIds()).toEqual(['g1', 'g2', 'h1', 'h2', 'k1_longer_id', 'k2']);
    const stored = [...ingestor.stored.values()].map((e) => e['payment_id']);
    expect(stored).toEqual(['g1', 'g2', 'h1', 'h2', 'k1_longer_id', 'k2']);
    expect(new Set(ingestor.sent.map((e) => e['event_id'])).size).toBe(6);
  });

  it('cuts over-long lines and keeps going; follows files matching the glob on schedule', async () => {
    writeFileSync(join(dir, 'a.log'), `msg=${'z'.repeat(5000)}\n` + pay('g1'));
    const t = tailer();
    await t.start();
    writeFileSync(join(dir, 'b.log'), pay('g2'));
    const deadline = Date.now() + 5000;
    while (ingestor.sent.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await t.stop();
    expect(paymentIds().sort()).toEqual(['g1', 'g2']);
    expect(records).toHaveLength(1);
    expect(records[0]!.message.length).toBeLessThanOrEqual(1024);
  });

  it('does not keep a fragment of a card number where it cuts an over-long line (15 digits pass no Luhn check)', async () => {
    const pan = '4132886626006683';
    // The cut at 1024 bytes falls after the 15th digit of the card number.
    const head = `level=info msg=long card=`;
    const line = `${head}${'z'.repeat(1024 - head.length - 15 - 6)} card=${pan} tail=1\n`;
    writeFileSync(join(dir, 'a.log'), line);
    const t = tailer();
    await t.start();
    const deadline = Date.now() + 5000;
    while (records.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await t.stop();
    expect(records).toHaveLength(1);
    expect(JSON.stringify(records)).not.toContain(pan.slice(0, 7));
    expect(records[0]!.fields['card']).toBe('');
  });

  it('logs a rejected payment line with its byte offset in the file and the field (the batch index told nothing)', async () => {
    const file = join(dir, 'app.log');
    const bad = JSON.stringify({
      event: 'payment',
      pid: 'r2',
      status: 'succeeded',
      currency: 'USD',
      provider: 'stripe',
    });
    writeFileSync(file, pay('r1') + bad + '\n' + pay('r3'));
    const { logger: warnLogger, lines } = captureLogs('warn');
    const t = createLogTailer(
      {
        ingestor,
        writer: { writeLogs: async () => undefined },
        logger: warnLogger,
        maskText: maskPans,
      },
      config,
    );
    await t.pollOnce();
    await t.stop();
    expect(paymentIds()).toEqual(['r1', 'r2', 'r3']);
    const warn = lines.find((l) => l.msg === 'log lines mapped to invalid payment events');
    expect(warn?.path).toBe(file);
    expect(warn?.errors).toEqual([
      { offset: Buffer.byteLength(pay('r1')), path: 'amount_minor', reason: expect.any(String) },
    ]);
  });

  it('does not advance past a batch the pipeline could not take', async () => {
    const file = join(dir, 'app.log');
    writeFileSync(file, pay('f1'));
    let fail: string | null = 'store down';
    const flaky: typeof ingestor = Object.assign(new MemoryIngestor(), {});
    const lines: { level: number; msg: string }[] = [];
    const t = createLogTailer(
      {
        ingestor: {
          ingest: async (i, c) => {
            if (fail !== null) throw new Error(fail);
            return flaky.ingest(i, c);
          },
        },
        writer: { writeLogs: async () => undefined },
        logger: createLogger({
          level: 'debug',
          destination: {
            write: (l: string) => void lines.push(JSON.parse(l) as { level: number; msg: string }),
          },
        }),
        maskText: maskPans,
      },
      config,
    );
    for (let i = 0; i < 3; i++) await t.pollOnce();
    expect(flaky.sent).toHaveLength(0);
    // One warning for the run of failures (the rest at debug), another when the error changes.
    const warnings = () => lines.filter((l) => l.level === 40).map((l) => l.msg);
    expect(warnings()).toHaveLength(1);
    expect(lines.filter((l) => l.msg === 'log tail pass failed again')).toHaveLength(2);
    fail = 'spool full';
    await t.pollOnce();
    expect(warnings()).toHaveLength(2);
    fail = null;
    await t.pollOnce();
    expect(flaky.sent.map((e) => e['payment_id'])).toEqual(['f1']);
    expect(lines.filter((l) => l.level === 30 && l.msg === 'log tail pass succeeded again')).toHaveLength(1);
    await t.stop();
  });
});
