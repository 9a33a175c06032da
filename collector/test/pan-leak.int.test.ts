// Guards the masking promise: card numbers seeded everywhere never reach the store, API, raw data files, logs, /metrics or the live stream.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientToServerEvents, IngestResponse, ServerToClientEvents } from '@paywatch/contracts';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inputEvent, ndjson, startTestServer, type TestServer } from './harness.js';

/** Luhn-valid test PANs of several brands and lengths, and the ways they get written. */
const PANS = [
  '4111111111111111',
  '5555555555554444',
  '378282246310005',
  '3530111333300000',
  '6221260000000000019',
  '4000056655665556',
];
const formats = (p: string) =>
  // plain, spaced, dashed, no-break spaces (copied from a page), URL-encoded spaces
  ['', ' ', '-', '\u00a0', '%20'].map((sep) => (sep ? p.replace(/(\d{4})(?=\d)/g, `$1${sep}`) : p));
const MARKER = 'visible-marker-7f3a9c';

let s: TestServer;
let socket: Socket<ServerToClientEvents, ClientToServerEvents>;
const liveFrames: string[] = [];

beforeAll(async () => {
  s = await startTestServer();
  socket = connect(s.url, { transports: ['websocket'], auth: { token: s.adminKey } });
  socket.onAny((name: string, payload: unknown) => liveFrames.push(`${name} ${JSON.stringify(payload)}`));
  await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
});
afterAll(async () => {
  socket.close();
  await s.stop();
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

describe('no full PAN anywhere', () => {
  it('masks PANs seeded into every string field and metadata', async () => {
    const events: Record<string, unknown>[] = [];
    let i = 0;
    for (const pan of PANS) {
      for (const f of formats(pan)) {
        i++;
        events.push(
          inputEvent(10_000 + i, {
            event_id: `evt ${f} ${i}`,
            payment_id: `pay ${f}`,
            merchant_id: `merchant ${f}`,
            status: 'failed',
            failure: {
              category: 'invalid_card_data',
              code: f,
              message: `card ${f} was declined (${MARKER})`,
            },
            customer_ref: `customer ${f}`,
            device_ref: f,
            ip_ref: `ip ${f}`,
            user_level: `lvl ${f}`.slice(0, 32),
            metadata: {
              note: `pan ${f}`,
              [`key ${f}`]: f,
              nested: { list: [f, { deep: f }] },
              cvv: '123',
              asNumber: pan.length <= 16 ? Number(pan) : pan,
              marker: MARKER,
            },
          }),
        );
      }
    }
    // Also: unknown fields named like a PAN, malformed lines containing PANs.
    const body =
      ndjson(events) +
      JSON.stringify({ ...inputEvent(1), [PANS[0]!]: 1 }) +
      '\n' +
      `{"broken": "${PANS[1]}"\n`;
    const r = await s.post('/v1/events', body);
    const res = (await r.json()) as IngestResponse;
    expect(res.accepted).toBe(events.length);
    expect(res.rejected).toBe(2);
    const responseText = JSON.stringify(res);

    // Let the live gateway flush (≤ 100 ms) and the KPI tick pass.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const tx = await (await s.fetch(`/api/v1/transactions?limit=500&from=${Date.now() - 3_600_000}`)).text();
    const payIds = JSON.parse(tx).items.map((e: { payment_id: string }) => e.payment_id) as string[];
    const timelines = await Promise.all(
      payIds.map(async (id) => (await s.fetch(`/api/v1/payments/${encodeURIComponent(id)}`)).text()),
    );
    const breakdown = await (
      await s.fetch(`/api/v1/breakdown?dimension=merchant_id&from=${Date.now() - 3_600_000}`)
    ).text();
    const failures = await (await s.fetch(`/api/v1/failures?from=${Date.now() - 3_600_000}`)).text();
    const metrics = await (await s.fetch('/metrics')).text();
    const files = walk(s.dataDir).map((p) => readFileSync(p).toString('latin1'));

    expect(JSON.parse(tx).items).toHaveLength(events.length);
    expect(liveFrames.join('\n')).toContain('transactions');
    expect(tx).toContain('411111…1111');
    // The raw files are readable as text: the marker stored next to the masked values is found in them.
    expect(files.some((f) => f.includes(MARKER))).toBe(true);

    const places: Record<string, string> = {
      response: responseText,
      transactions: tx,
      timelines: timelines.join('\n'),
      breakdown,
      failures,
      metrics,
      logs: s.logs(),
      live: liveFrames.join('\n'),
      files: files.join('\n'),
    };
    for (const [where, text] of Object.entries(places)) {
      for (const pan of PANS)
        for (const f of formats(pan)) expect(text.includes(f), `${f} found in ${where}`).toBe(false);
    }
    // CVV dropped, refs hashed.
    expect(tx).not.toContain('"cvv"');
    expect(tx).not.toContain('customer ');
  });
});
