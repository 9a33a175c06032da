// Guards live fan-out across collectors: with PAYWATCH_REDIS_URL, a dashboard on collector A gets transactions and KPIs of events ingested by collector B, and B's batches still reach analysts only.
import type {
  ClientToServerEvents,
  LiveKpis,
  LiveTransactionsBatch,
  ServerToClientEvents,
} from '@paywatch/contracts';
import { LiveTransactionSchema } from '@paywatch/contracts';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inputEvent, ndjson, startTestServer, type TestServer } from './harness.js';
import { serviceUrl } from './services.js';
import { signIn } from './sign-in.js';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
let a: TestServer;
let b: TestServer;
const sockets: Client[] = [];

async function open(url: string, opts: { token?: string; cookie?: string }): Promise<Client> {
  const s: Client = connect(url, {
    transports: ['websocket'],
    ...(opts.token ? { auth: { token: opts.token } } : {}),
    ...(opts.cookie ? { extraHeaders: { cookie: opts.cookie } } : {}),
  });
  sockets.push(s);
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('connect_error', reject);
  });
  return s;
}

beforeAll(async () => {
  const redisUrl = serviceUrl('redis');
  a = await startTestServer({ PAYWATCH_REDIS_URL: redisUrl, PAYWATCH_LOG_LEVEL: 'warn' });
  b = await startTestServer({ PAYWATCH_REDIS_URL: redisUrl, PAYWATCH_LOG_LEVEL: 'warn' });
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await a?.stop();
  await b?.stop();
});

describe('live stream through the Redis adapter', () => {
  it('a socket on collector A receives transactions and KPIs of events ingested by collector B; viewers get no transactions', async () => {
    const analyst = await open(a.url, { token: a.adminKey });
    // A viewer (session cookie) on collector A: KPIs only, never transactions, from either collector.
    const created = await a.fetch('/api/admin/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'vera', password: 'vera password 1234', role: 'viewer' }),
    });
    expect(created.status).toBe(201);
    const { cookie } = await signIn(a.url, 'vera', 'vera password 1234');
    const viewer = await open(a.url, { cookie });

    const got: LiveTransactionsBatch[] = [];
    const viewerGot: LiveTransactionsBatch[] = [];
    const kpis: LiveKpis[] = [];
    analyst.on('transactions', (batch) => got.push(batch));
    viewer.on('transactions', (batch) => viewerGot.push(batch));
    analyst.on('kpis', (k) => kpis.push(k));

    const events = Array.from({ length: 150 }, (_, i) =>
      inputEvent(i, { event_id: `redis_b_${i}`, ts: Date.now() }),
    );
    const res = await b.post('/v1/events', ndjson(events));
    expect(await res.json()).toMatchObject({ accepted: 150 });

    const deadline = Date.now() + 10_000;
    const ids = () => new Set(got.flatMap((x) => x.events.map((e) => e.event_id)));
    while (Date.now() < deadline && (ids().size < 150 || !kpis.some((k) => k.attempts === 150))) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(ids().size).toBe(150);
    for (const x of got) for (const e of x.events) LiveTransactionSchema.parse(e);
    expect([...ids()].every((id) => id.startsWith('redis_b_'))).toBe(true);
    // A's KPIs count B's events (the KPI delta crossed Redis), once.
    expect(kpis.some((k) => k.attempts === 150)).toBe(true);
    expect(Math.max(...kpis.map((k) => k.attempts))).toBe(150);
    expect(viewerGot).toEqual([]);
  }, 30_000);
});
