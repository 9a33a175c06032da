// Guards the fresh engine's warm-up from the store: stored events of the last hours reach the engine in event-time order, page by page, none received after the start (those come live), and live input is held meanwhile, then fed in arrival order after the history, bounded (drops counted).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PaymentEvent } from '@paywatch/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../lib/logger.js';
import { generateEvents } from '../store/contract/index.js';
import { createEmbeddedStore, type EmbeddedStore } from '../store/embedded/index.js';
import { createEngineHold, warmUpEngine } from './engine-warmup.js';

const logger = createLogger({ level: 'silent' });
const HOUR = 3_600_000;
const START = Date.UTC(2026, 2, 3, 12, 0, 0);

const events = (seed: number, prefix: string, from: number, spanMs: number, receivedAt: number) =>
  generateEvents({ seed, payments: 120, from, spanMs, idPrefix: prefix }).map((e) => ({
    ...e,
    received_at: receivedAt,
  }));

let dir: string;
let store: EmbeddedStore;
// Stored before the start: 5 h ago (outside a 3 h warm-up), the last 3 h (inside), and events
// received after the start (live: must not be read).
const tooOld = events(1, 'old_', START - 5 * HOUR, HOUR, START - 4 * HOUR);
const recent = [
  ...events(2, 'r1_', START - 3 * HOUR, 90 * 60_000, START - HOUR),
  ...events(3, 'r2_', START - 90 * 60_000, 89 * 60_000, START - 1000),
];
const live = events(4, 'live_', START - 30_000, 29_000, START + 500);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paywatch-warmup-'));
  store = createEmbeddedStore({ dataDir: join(dir, 'db') }, { logger });
  await store.start();
  await store.write([...live, ...recent, ...tooOld]);
});
afterAll(async () => {
  await store?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('warmUpEngine', () => {
  it('feeds the last hours in event-time order, in bounded pages, none received after the start', async () => {
    const calls: PaymentEvent[][] = [];
    const r = await warmUpEngine(
      { feed: store.feed, onEvents: (e) => calls.push([...e]) },
      { hours: 3, startedAt: START, pageSize: 37 },
    );
    const fed = calls.flat();
    expect(r).toMatchObject({ events: recent.length, aborted: false });
    // 15-min windows over 3 h 2 min: at least one read per window, full pages within one.
    expect(r.pages).toBeGreaterThanOrEqual(Math.max(13, Math.ceil(recent.length / 37)));
    expect(Math.max(...calls.map((c) => c.length))).toBe(37);
    expect(new Set(fed.map((e) => e.event_id))).toEqual(new Set(recent.map((e) => e.event_id)));
    const ts = fed.map((e) => e.ts);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
  });

  it('stops between pages when aborted', async () => {
    const ac = new AbortController();
    let fed = 0;
    const r = await warmUpEngine(
      {
        feed: store.feed,
        onEvents: (e) => {
          fed += e.length;
          ac.abort();
        },
        signal: ac.signal,
      },
      { hours: 3, startedAt: START, pageSize: 50 },
    );
    expect(r).toMatchObject({ events: 50, pages: 1, aborted: true });
    expect(fed).toBe(50);
  });

  it('rejects when the store cannot be read', async () => {
    await expect(
      warmUpEngine(
        { feed: { eventsByEventTime: () => Promise.reject(new Error('store down')) }, onEvents: () => {} },
        { hours: 1, startedAt: START },
      ),
    ).rejects.toThrow('store down');
  });
});

describe('createEngineHold', () => {
  const ev = (id: string) => ({ event_id: id }) as PaymentEvent;

  it('holds live batches until released, then feeds them in arrival order before anything newer', async () => {
    const fed: string[] = [];
    const hold = createEngineHold((e) => fed.push(...e.map((x) => x.event_id)), { capacity: 100 });
    const first = hold.consume([ev('a'), ev('b')]);
    const second = hold.consume([ev('c')]);
    expect(first).toBeInstanceOf(Promise);
    expect(fed).toEqual([]);
    expect(hold.counts()).toEqual({ held: 3, dropped: 0, waiting: 3 });
    let settled = false;
    void Promise.all([first, second]).then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    hold.release();
    hold.consume([ev('d')]);
    expect(fed).toEqual(['a', 'b', 'c', 'd']);
    await Promise.all([first, second]);
    expect(hold.counts()).toEqual({ held: 3, dropped: 0, waiting: 0 });
    hold.release(); // idempotent
    expect(fed).toEqual(['a', 'b', 'c', 'd']);
  });

  it('drops (and counts) a batch that would exceed the bound, never waits on it', () => {
    const fed: string[] = [];
    const hold = createEngineHold((e) => fed.push(...e.map((x) => x.event_id)), { capacity: 3 });
    void hold.consume([ev('a'), ev('b')]);
    expect(hold.consume([ev('c'), ev('d')])).toBeUndefined();
    void hold.consume([ev('e')]);
    expect(hold.counts()).toEqual({ held: 3, dropped: 2, waiting: 3 });
    hold.release();
    expect(fed).toEqual(['a', 'b', 'e']);
  });
});
