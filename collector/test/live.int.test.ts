// Guards the live stream: masked transactions arrive in throttled batches (≤ 10/s), never one message per payment, with KPIs.
import type {
  ClientToServerEvents,
  LiveKpis,
  LiveTransactionsBatch,
  ServerToClientEvents,
} from '@paywatch/contracts';
import { LIVE_LIMITS, LiveKpisSchema, LiveTransactionSchema } from '@paywatch/contracts';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inputEvent, ndjson, startTestServer, type TestServer } from './harness.js';

let s: TestServer;
let socket: Socket<ServerToClientEvents, ClientToServerEvents>;
beforeAll(async () => {
  s = await startTestServer({ PAYWATCH_LOG_LEVEL: 'warn' });
  socket = connect(s.url, { transports: ['websocket'], auth: { token: s.adminKey } });
  await new Promise<void>((r) => socket.on('connect', () => r()));
});
afterAll(async () => {
  socket.close();
  await s.stop();
});

describe('live stream', () => {
  it('batches and throttles transactions and reports rolling KPIs', async () => {
    const batches: { at: number; batch: LiveTransactionsBatch }[] = [];
    const kpis: LiveKpis[] = [];
    socket.on('transactions', (batch) => batches.push({ at: Date.now(), batch }));
    socket.on('kpis', (k) => kpis.push(k));
    // 3,000 payments in 30 requests over ~1.5 s.
    for (let r = 0; r < 30; r++) {
      const events = Array.from({ length: 100 }, (_, i) => inputEvent(r * 100 + i, { ts: Date.now() }));
      await s.post('/v1/events', ndjson(events));
      await new Promise((res) => setTimeout(res, 50));
    }
    await new Promise((res) => setTimeout(res, 1500));
    const total = batches.reduce((a, b) => a + b.batch.events.length + b.batch.dropped, 0);
    expect(total).toBe(3000);
    expect(batches.length).toBeLessThan(100); // far fewer messages than payments
    for (const b of batches) {
      expect(b.batch.events.length).toBeLessThanOrEqual(LIVE_LIMITS.maxTransactionsPerBatch);
      for (const e of b.batch.events) LiveTransactionSchema.parse(e);
    }
    // At most 10 batches in any one-second window (small slack for timer jitter).
    for (const b of batches) {
      const inWindow = batches.filter((x) => x.at >= b.at && x.at < b.at + 1000).length;
      expect(inWindow).toBeLessThanOrEqual(LIVE_LIMITS.maxBatchesPerSecond + 1);
    }
    const last = LiveKpisSchema.parse(kpis.at(-1));
    expect(last.attempts).toBe(3000);
    expect(last.success_rate).toBeCloseTo(0.9, 5);
    const snap = await new Promise<LiveKpis>((r) => socket.emit('kpis:get', r));
    expect(snap.attempts).toBe(3000);
  });

  it('leaves back-filled history and events from clocks far ahead out of the live feed and KPIs (stored, but not happening now)', async () => {
    const seen: string[] = [];
    let dropped = 0;
    socket.on('transactions', (b) => {
      for (const e of b.events) seen.push(e.event_id);
      dropped += b.dropped;
    });
    const before = await new Promise<LiveKpis>((r) => socket.emit('kpis:get', r));
    // A back-fill: two days of history sent now (what `paywatch start` does for a fresh store).
    const old = Array.from({ length: 2000 }, (_, i) =>
      inputEvent(10_000 + i, { event_id: `old_${i}`, ts: Date.now() - 2 * 86_400_000 + i * 60_000 }),
    );
    expect(await (await s.post('/v1/events', ndjson(old))).json()).toMatchObject({ accepted: 2000 });
    // From a client whose clock runs ahead: it would sit on top of the newest-first feed for an hour.
    const ahead = Array.from({ length: 5 }, (_, i) =>
      inputEvent(30_000 + i, { event_id: `ahead_${i}`, ts: Date.now() + 60 * 60_000 }),
    );
    expect(await (await s.post('/v1/events', ndjson(ahead))).json()).toMatchObject({ accepted: 5 });
    // Late by a few minutes (a slow webhook) is still now; and payments happening now.
    const recent = Array.from({ length: 20 }, (_, i) =>
      inputEvent(20_000 + i, { event_id: `recent_${i}`, ts: Date.now() - (i % 2 ? 4 * 60_000 : 0) }),
    );
    expect(await (await s.post('/v1/events', ndjson(recent))).json()).toMatchObject({ accepted: 20 });
    await new Promise((res) => setTimeout(res, 1000));
    const after = await new Promise<LiveKpis>((r) => socket.emit('kpis:get', r));
    expect(after.attempts - before.attempts).toBe(20);
    expect(seen.filter((id) => id.startsWith('old_') || id.startsWith('ahead_'))).toEqual([]);
    expect(seen.filter((id) => id.startsWith('recent_'))).toHaveLength(20);
    expect(dropped).toBe(0);
    const stored = await s.get<{ attempts: number }>(
      `/api/v1/overview?from=${Date.now() - 3 * 86_400_000}&to=${Date.now() + 2 * 3_600_000}`,
    );
    expect(stored.body.attempts).toBe(3000 + 2000 + 20 + 5);
  });

  it('refuses live connections beyond the limit per user or API key (6000 from one key were all accepted, 21 KB each)', async () => {
    const max = LIVE_LIMITS.maxSocketsPerPrincipal;
    const open = (): Promise<{ socket: Socket; error: string | null; data?: unknown }> =>
      new Promise((resolve) => {
        const c: Socket = connect(s.url, {
          transports: ['websocket'],
          auth: { token: s.adminKey },
          reconnection: false,
          forceNew: true,
        });
        c.on('connect', () => resolve({ socket: c, error: null }));
        c.on('connect_error', (e) =>
          resolve({ socket: c, error: e.message, data: (e as { data?: unknown }).data }),
        );
      });
    // The suite's own socket is one of them.
    const others = await Promise.all(Array.from({ length: max - 1 }, open));
    try {
      expect(others.filter((o) => o.error !== null)).toEqual([]);
      const over = await open();
      over.socket.close();
      expect(over.error).toBe(`too many live connections for this user or API key (limit ${max})`);
      // When to try again: the dashboard connects again then (socket.io never retries a refusal).
      expect(over.data).toEqual({ retryAfterS: LIVE_LIMITS.retryAfterSocketCapS });
      // One closed: its place is free again.
      others[0]?.socket.close();
      // The server frees the place when it sees the close: tried until then (not a fixed wait,
      // which a loaded box can outlast), within 5 s.
      let again = await open();
      for (const until = Date.now() + 5000; again.error !== null && Date.now() < until;) {
        again.socket.close();
        await new Promise((r) => setTimeout(r, 100));
        again = await open();
      }
      again.socket.close();
      expect(again.error).toBeNull();
    } finally {
      for (const o of others) o.socket.close();
    }
  });
});
