// Guards the standalone alert engine's feed: events reach the engine once, a store outage is logged on its changes of state (not every poll), the backlog of a poll in one event-time-ordered call, only below the watermark lag, a restart resumes from the saved cursor (no re-feed, no gap), and a first start with a look-back (the fresh engine's warm-up) begins that far back.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PaymentEvent } from '@paywatch/contracts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../lib/logger.js';
import { captureLogs } from '../../test/log-capture.js';
import { generateEvents } from '../store/contract/index.js';
import { createEmbeddedStore } from '../store/embedded/index.js';
import type { EmbeddedStore } from '../store/embedded/index.js';
import { createFeedPoller, wholeArrivals } from './feed-poller.js';

const logger = createLogger({ level: 'silent' });
const T0 = Date.UTC(2026, 2, 3, 10, 0, 0);

function batch(seed: number, prefix: string, receivedAt: number): PaymentEvent[] {
  return generateEvents({
    seed,
    payments: 40,
    from: receivedAt - 600_000,
    spanMs: 590_000,
    idPrefix: prefix,
  }).map((e) => ({ ...e, received_at: receivedAt }));
}

let dir: string;
let store: EmbeddedStore;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paywatch-poller-'));
  store = createEmbeddedStore({ dataDir: join(dir, 'db') }, { logger });
  await store.start();
});
afterAll(async () => {
  await store?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('feed poller', () => {
  it('feeds every event once across restarts, waits for the lag, and sorts each page by event time', async () => {
    let clock = T0;
    const fed: PaymentEvent[][] = [];
    const make = () =>
      createFeedPoller(
        { feed: store.feed, onEvents: (e) => fed.push([...e]), logger, now: () => clock },
        { cursorFile: join(dir, 'cursor.json'), pollMs: 60_000, lagMs: 5000, pageSize: 50 },
      );
    // Received before the first start: not replayed.
    await store.write(batch(1, 'before_', T0 - 10_000));
    const p1 = make();
    await p1.start();
    const a = batch(2, 'a_', T0 + 1000);
    const b = batch(3, 'b_', T0 + 2000);
    await store.write([...b, ...a]);
    clock = T0 + 4000; // both still inside the 5 s lag
    expect(await p1.pollOnce()).toBe(0);
    clock = T0 + 6500; // a is older than the lag, b is not
    expect(await p1.pollOnce()).toBe(a.length);
    await p1.stop();

    const p2 = make();
    await p2.start();
    clock = T0 + 60_000;
    const c = batch(4, 'c_', T0 + 30_000);
    await store.write(c);
    expect(await p2.pollOnce()).toBe(b.length + c.length);
    expect(await p2.pollOnce()).toBe(0);
    await p2.stop();

    const all = fed.flat();
    const ids = all.map((e) => e.event_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set([...a, ...b, ...c].map((e) => e.event_id)));
    expect(ids.some((id) => id.startsWith('before_'))).toBe(false);
    // One engine call per poll for the whole backlog (many pages of 50), in event-time order.
    expect(fed.map((call) => call.length)).toEqual([a.length, b.length + c.length]);
    for (const call of fed)
      expect(call.map((e) => e.ts)).toEqual([...call.map((e) => e.ts)].sort((x, y) => x - y));
    const saved = JSON.parse(await readFile(join(dir, 'cursor.json'), 'utf8')) as { received_at: number };
    expect(saved.received_at).toBe(T0 + 30_000);
    expect(p2.status().position).toBe(T0 + 55_000);
  });

  it('first start with initialLookbackMs: feeds what was received within the look-back, not older; a restart ignores it', async () => {
    const T1 = T0 + 10 * 3_600_000;
    let clock = T1;
    const fed: PaymentEvent[] = [];
    const cursorFile = join(dir, 'lookback-cursor.json');
    const make = () =>
      createFeedPoller(
        { feed: store.feed, onEvents: (e) => fed.push(...e), logger, now: () => clock },
        { cursorFile, pollMs: 60_000, lagMs: 5000, pageSize: 50, initialLookbackMs: 2 * 3_600_000 },
      );
    const old = batch(11, 'lb_old_', T1 - 3 * 3_600_000); // before the look-back
    const recent = batch(12, 'lb_recent_', T1 - 90 * 60_000); // inside it
    const live = batch(13, 'lb_live_', T1 + 1000);
    await store.write([...old, ...recent]);
    const p1 = make();
    await p1.start();
    expect(await p1.pollOnce()).toBe(recent.length);
    await store.write(live);
    clock = T1 + 10_000;
    expect(await p1.pollOnce()).toBe(live.length);
    await p1.stop();
    const ids = (events: readonly PaymentEvent[]) => new Set(events.map((e) => e.event_id));
    expect(ids(fed.slice(0, recent.length))).toEqual(ids(recent));
    expect(ids(fed.slice(recent.length))).toEqual(ids(live));
    // The cursor file exists now: a restart resumes from it, the look-back does not apply again.
    const p2 = make();
    await p2.start();
    clock = T1 + 20_000;
    expect(await p2.pollOnce()).toBe(0);
    await p2.stop();
  });

  it('a store outage is logged when it starts, once a minute while it lasts and when reading works again, not once per poll', async () => {
    const T2 = T0 + 20 * 3_600_000;
    let clock = T2;
    let down = false;
    const { logger: captured, lines } = captureLogs();
    const feed = {
      eventsReceivedSince: (q: Parameters<typeof store.feed.eventsReceivedSince>[0]) =>
        down
          ? Promise.reject(new Error('ClickHouse query failed: connect ECONNREFUSED 127.0.0.1:9'))
          : store.feed.eventsReceivedSince(q),
      eventsByEventTime: store.feed.eventsByEventTime.bind(store.feed),
    };
    const p = createFeedPoller(
      { feed, onEvents: () => undefined, logger: captured, now: () => clock },
      { cursorFile: join(dir, 'outage-cursor.json'), pollMs: 1000, lagMs: 5000 },
    );
    await p.pollOnce();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      await p.start();
      down = true;
      // 150 scheduled polls, one a second: before, 150 WARN lines with a stack trace each.
      for (let i = 0; i < 150; i++) {
        clock += 1000;
        await vi.advanceTimersByTimeAsync(1000);
      }
      await p.stop();
    } finally {
      vi.useRealTimers();
    }
    down = false;
    clock += 1000;
    await p.pollOnce();
    const warns = lines.filter((l) => l.level === 40);
    expect(warns.map((l) => l.msg)).toEqual([
      'reading the event feed failed; retrying from the same cursor every poll (logged again every minute while it fails)',
      'reading the event feed still fails',
      'reading the event feed still fails',
    ]);
    expect(warns[0]?.err).toBe('ClickHouse query failed: connect ECONNREFUSED 127.0.0.1:9');
    expect(warns[2]).toMatchObject({ failedPolls: 121, failingForS: 120 });
    expect(lines.at(-1)).toMatchObject({
      level: 30,
      msg: 'reading the event feed again',
      failedPolls: 150,
      failedForS: 150,
    });
    expect(p.status().lastError).toBeNull();
  });

  it('keeps a batch whole when a full page would end inside it', () => {
    const e = (r: number, id: string) => ({ received_at: r, event_id: id }) as PaymentEvent;
    const page = [e(1, 'a'), e(1, 'b'), e(2, 'a'), e(2, 'b')];
    expect(wholeArrivals(page, 4)).toEqual(page.slice(0, 2));
    expect(wholeArrivals(page, 5)).toEqual(page);
    const one = [e(3, 'a'), e(3, 'b')];
    expect(wholeArrivals(one, 2)).toEqual(one);
  });
});
