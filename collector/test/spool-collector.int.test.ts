// Guards the collector's ClickHouse write path end to end: ingest over HTTP keeps answering 2xx while ClickHouse is down, and every acknowledged event_id is then readable exactly once.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TransactionsSchema, type Transactions } from '@paywatch/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { inputEvent, metricValue, ndjson, startTestServer, type TestServer } from './harness.js';
import { clickhouseStoreEnv, startPrivateClickHouse, type PrivateClickHouse } from './services.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

const BATCH = 250;
const T0 = Date.now() - 30 * 60_000;

/** Events `from`..`to-1` of this run, spread over 20 minutes of event time. */
function batch(from: number, to: number, run: string): Record<string, unknown>[] {
  const out = [];
  for (let i = from; i < to; i++)
    out.push(
      inputEvent(i, { event_id: `${run}_${i}`, payment_id: `${run}_p${i}`, ts: T0 + (i % 1200) * 1000 }),
    );
  return out;
}

async function scrape(s: TestServer): Promise<string> {
  const res = await s.fetch('/metrics');
  expect(res.status).toBe(200);
  return res.text();
}

/**
 * A private ClickHouse and a collector storing to it (fresh database, so the spool is on), both
 * torn down in `afterAll`. `env` adds to or overrides the collector's environment.
 */
async function startSpoolingCollector(
  prefix: string,
  env: Record<string, string> = {},
): Promise<{ ch: PrivateClickHouse; s: TestServer }> {
  const stateDir = await mkdtemp(path.join(tmpdir(), prefix));
  cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
  const ch = await startPrivateClickHouse(stateDir);
  cleanups.push(() => ch.destroy());
  const s = await startTestServer({
    ...clickhouseStoreEnv(ch.endpoint, `paywatch_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`),
    PAYWATCH_LOG_LEVEL: 'warn',
    ...env,
  });
  cleanups.push(() => s.stop());
  return { ch, s };
}

describe('collector with PAYWATCH_STORE=clickhouse and the spool', () => {
  it('acknowledges through a ClickHouse outage; every acknowledged event is stored exactly once', async () => {
    const { ch, s } = await startSpoolingCollector('pw-ch-collector-');
    expect(s.spool).not.toBeNull();
    const run = randomUUID().slice(0, 8);
    const acked: string[] = [];
    const post = async (from: number, to: number) => {
      const events = batch(from, to, run);
      const res = await s.post('/v1/events', ndjson(events));
      expect(res.status, await res.clone().text()).toBeLessThan(300);
      const body = (await res.json()) as { accepted: number; duplicate: number };
      expect(body.accepted).toBe(events.length);
      acked.push(...events.map((e) => String(e.event_id)));
    };

    for (let i = 0; i < 8; i++) await post(i * BATCH, (i + 1) * BATCH);
    await ch.stop();
    const t0 = Date.now();
    for (let i = 8; i < 24; i++) await post(i * BATCH, (i + 1) * BATCH);
    // Answered from the local spool while ClickHouse is down.
    expect(Date.now() - t0).toBeLessThan(20_000);
    await new Promise((r) => setTimeout(r, 1500));
    const during = await scrape(s);
    expect(metricValue(during, 'paywatch_spool_pending_events')).toBeGreaterThan(0);
    expect(metricValue(during, 'paywatch_spool_retries_total')).toBeGreaterThan(0);
    expect(metricValue(during, 'paywatch_spool_oldest_age_seconds')).toBeGreaterThan(0);
    expect(metricValue(during, 'paywatch_spool_disk_bytes')).toBeGreaterThan(0);

    // A client re-sending a batch it already got a 2xx for: duplicates, not counted again.
    const paymentsBefore = metricValue(
      during,
      'paywatch_ingest_events_total{source="api",result="accepted"}',
    );
    const resend = await s.post('/v1/events', ndjson(batch(9 * BATCH, 10 * BATCH, run)));
    expect(resend.status).toBeLessThan(300);
    expect(await resend.json()).toMatchObject({ accepted: 0, duplicate: BATCH });
    expect(metricValue(await scrape(s), 'paywatch_ingest_events_total{source="api",result="accepted"}')).toBe(
      paymentsBefore,
    );

    await ch.start();
    for (let i = 24; i < 28; i++) await post(i * BATCH, (i + 1) * BATCH);
    await s.spool!.drained();
    const after = await scrape(s);
    expect(metricValue(after, 'paywatch_spool_pending_events')).toBe(0);
    expect(metricValue(after, 'paywatch_spool_dropped_events_total')).toBe(0);

    // Every acknowledged event_id, exactly once, through the read API.
    const range = `from=${new Date(T0 - 60_000).toISOString()}&to=${new Date(T0 + 30 * 60_000).toISOString()}`;
    const seen = new Map<string, number>();
    let cursor: string | null = null;
    do {
      const r = await s.get(`/api/v1/transactions?${range}&limit=500${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      const page: Transactions = TransactionsSchema.parse(r.body);
      for (const e of page.items) seen.set(e.event_id, (seen.get(e.event_id) ?? 0) + 1);
      cursor = page.next_cursor;
    } while (cursor);
    expect(acked).toHaveLength(28 * BATCH);
    const missing = acked.filter((id) => seen.get(id) !== 1);
    expect(missing.slice(0, 10), `${missing.length} acknowledged ids not read back exactly once`).toEqual([]);
    expect(seen.size).toBe(acked.length);
    const overview = await s.get<{ events: number }>(`/api/v1/overview?${range}`);
    expect(overview.body.events).toBe(acked.length);
  }, 180_000);

  it('answers 503 with Retry-After once the spool quota is full while ClickHouse is down, and accepts again after it drains', async () => {
    const { ch, s } = await startSpoolingCollector('pw-ch-quota-', { PAYWATCH_SPOOL_QUOTA_MB: '1' });
    const run = randomUUID().slice(0, 8);
    await ch.stop();
    let refused: Response | null = null;
    let acked = 0;
    for (let i = 0; i < 40 && refused === null; i++) {
      const res = await s.post('/v1/events', ndjson(batch(i * BATCH, (i + 1) * BATCH, run)));
      if (res.status === 503) refused = res;
      else {
        expect(res.status).toBeLessThan(300);
        acked++;
      }
    }
    expect(refused, 'no 503 after 40 batches into a 1 MB spool').not.toBeNull();
    expect(acked).toBeGreaterThan(0);
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(metricValue(await scrape(s), 'paywatch_spool_overloads_total')).toBeGreaterThanOrEqual(1);
    await ch.start();
    await s.spool!.drained();
    // The refused batch was not acknowledged: sending it again is accepted in full.
    const retry = await s.post('/v1/events', ndjson(batch(acked * BATCH, (acked + 1) * BATCH, run)));
    expect(retry.status).toBeLessThan(300);
    expect(await retry.json()).toMatchObject({ accepted: BATCH, duplicate: 0 });
  }, 180_000);
});
