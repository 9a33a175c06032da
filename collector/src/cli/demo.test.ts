// Guards the demo history: a plan contiguous in event time, live-rate where baselines and the default week-over-week view look; the alert engine warmed with the recent hours before any live event (nothing late), live traffic not waiting for the store back-fill, every history event stored once — also when a start is stopped before its history is stored (the next start back-fills what is missing).
import { randomBytes } from 'node:crypto';
import type { PaymentEvent, PaymentEventInput } from '@paywatch/contracts';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../lib/logger.js';
import { createMasker } from '../pipeline/steps/mask.step.js';
import { createGenerator } from '../simulator/generator.js';
import type { EventWriter } from '../store/types.js';
import type { DemoHistoryMark, DemoHistoryMarks } from './demo-history-mark.js';
import {
  createDemoHistoryTargets,
  DEMO_HISTORY_DAYS,
  DEMO_HISTORY_MAX_RATE,
  DEMO_HISTORY_RATE,
  DEMO_RECENT_HOURS,
  demoHistoryEvents,
  demoHistoryPlan,
  demoHistoryToDo,
  DEMO_FIRST_MINUTES,
  engineWarmup,
  runDemoTraffic,
  seededHistoryPlan,
  storeOrder,
} from './demo.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 10, 26, 3, 0, 0);

describe('demoHistoryPlan', () => {
  const plan = demoHistoryPlan(NOW, 20);

  it('covers the history window without gaps or overlaps, in event-time order, ending now', () => {
    expect(plan[0]?.from).toBe(NOW - DEMO_HISTORY_DAYS * DAY);
    expect(plan.at(-1)?.to).toBe(NOW);
    for (let i = 1; i < plan.length; i++) expect(plan[i]?.from).toBe(plan[i - 1]?.to);
    for (const s of plan) expect(s.to).toBeGreaterThan(s.from);
  });

  it('sends the recent hours (rate baselines) and the hour a week ago (default compare) at the live rate', () => {
    const rateAt = (t: number) => plan.find((s) => s.from <= t && t < s.to)?.rate;
    expect(rateAt(NOW - 1000)).toBe(20);
    expect(rateAt(NOW - DEMO_RECENT_HOURS * HOUR + 1000)).toBe(20);
    expect(rateAt(NOW - 7 * DAY - HOUR / 4)).toBe(20);
    expect(rateAt(NOW - 7 * DAY + HOUR / 4)).toBe(20);
    // the rest is thin: affordable, and still enough for trends
    expect(rateAt(NOW - 3 * DAY)).toBeLessThan(1);
    expect(rateAt(NOW - 8 * DAY + 1000)).toBeLessThan(1);
  });

  it("has the live rate under the trends explorer's default view compared with last week (the last hour vs the same hour 7 days before) for the whole first half hour", () => {
    const rateAt = (t: number) => plan.find((s) => s.from <= t && t < s.to)?.rate;
    for (let x = 0; x <= 30 * 60_000; x += 60_000)
      for (let t = NOW + x - HOUR; t < NOW + x; t += 60_000)
        expect(rateAt(t - 7 * DAY), `${x}/${t}`).toBe(20);
  });

  it('stays small enough to back-fill in well under a minute (≈ 355k events at 20/s)', () => {
    const n = demoHistoryEvents(plan);
    expect(n).toBeGreaterThan(300_000);
    expect(n).toBeLessThan(380_000);
  });

  it('caps the full-rate parts at the live rate or DEMO_HISTORY_MAX_RATE, whichever is lower', () => {
    expect(Math.max(...demoHistoryPlan(NOW, 500).map((s) => s.rate))).toBe(DEMO_HISTORY_MAX_RATE);
    const slow = demoHistoryPlan(NOW, 0.1);
    expect(Math.max(...slow.map((s) => s.rate))).toBe(0.1);
    expect(demoHistoryEvents(slow)).toBe(Math.round(DEMO_HISTORY_DAYS * 86_400 * 0.1));
  });
});

describe('engineWarmup and storeOrder', () => {
  const plan = demoHistoryPlan(NOW, 20);

  it('warms the engine with exactly the last DEMO_RECENT_HOURS, at the live rate, in event order', () => {
    const warm = engineWarmup(plan, NOW);
    expect(warm[0]?.from).toBe(NOW - DEMO_RECENT_HOURS * HOUR);
    expect(warm.at(-1)?.to).toBe(NOW);
    expect(warm.every((s) => s.rate === 20)).toBe(true);
  });

  it('stores full-rate segments first (newest first), then the thin days (newest first), every segment once', () => {
    const order = storeOrder(plan);
    expect(order.map((s) => s.rate)).toEqual([20, 20, DEMO_HISTORY_RATE, DEMO_HISTORY_RATE]);
    expect(order[0]?.to).toBe(NOW);
    expect(order[1]?.from).toBeLessThan(NOW - 6 * DAY);
    expect(order[2]!.from).toBeGreaterThan(order[3]!.from);
    expect([...order].sort((a, b) => a.from - b.from)).toEqual(plan);
  });
});

describe('seededHistoryPlan', () => {
  it('gives each segment its own seed, none a nearby demo seed (a later start on --seed 22 after 21 must not repeat history ids)', () => {
    const seeds = seededHistoryPlan(NOW, 20, 21).map((s) => s.seed);
    expect(new Set(seeds).size).toBe(seeds.length);
    for (const s of seeds) expect(Math.abs(s - 21)).toBeGreaterThan(1000);
    expect(seededHistoryPlan(NOW, 20, 22).map((s) => s.seed)).not.toContain(seeds[0]);
    // Same arguments, same plan: what a later start resumes.
    expect(seededHistoryPlan(NOW, 20, 21)).toEqual(seededHistoryPlan(NOW, 20, 21));
  });
});

/** Whether a mark records every segment of its plan as stored. */
const complete = (m: DemoHistoryMark): boolean =>
  seededHistoryPlan(m.anchor, m.rate, m.seed).every((s) => m.stored.includes(s.seed));

describe('demoHistoryToDo', () => {
  const later = NOW + DAY;
  const start = { now: later, rate: 20, seed: 99 };
  const seeds = seededHistoryPlan(NOW, 20, 7).map((s) => s.seed);
  const mark = { anchor: NOW, seed: 7, rate: 20, stored: seeds.slice(0, 2) };
  /** A store holding events at these times. */
  const storeAt =
    (...ts: number[]) =>
    (from: number, to: number) =>
      Promise.resolve(ts.some((t) => t >= from && t < to));

  it('resumes an incomplete history that is partly stored: same plan, only the segments not recorded', async () => {
    const todo = await demoHistoryToDo(mark, storeAt(NOW - HOUR), start);
    expect(todo.kind).toBe('resume');
    if (todo.kind === 'skip') return;
    expect(todo.plan).toEqual(seededHistoryPlan(NOW, 20, 7));
    expect(todo.missing.map((s) => s.seed)).toEqual(seeds.slice(2));
  });

  it('skips a completed history that is stored; plans afresh when its window was emptied (a wiped store)', async () => {
    const done = { ...mark, stored: seeds };
    expect(await demoHistoryToDo(done, storeAt(NOW - HOUR), start)).toEqual({ kind: 'skip', reason: 'done' });
    const todo = await demoHistoryToDo(done, storeAt(), start);
    expect(todo.kind).toBe('fresh');
    if (todo.kind === 'skip') return;
    expect(todo.mark).toEqual({ anchor: later, seed: 99, rate: 20, stored: [] });
    expect(todo.missing).toEqual(todo.plan);
  });

  it('without a mark, leaves a store holding events alone', async () => {
    expect(await demoHistoryToDo(null, storeAt(later - HOUR), start)).toEqual({
      kind: 'skip',
      reason: 'data',
    });
    expect((await demoHistoryToDo(null, storeAt(), start)).kind).toBe('fresh');
  });
});

describe('runDemoTraffic on an empty store', () => {
  const masker = createMasker(randomBytes(32));
  const logger = createLogger({ level: 'silent' });
  // A slow demo rate keeps the history small (0.05/s: ≈ 35k events over 8 days).
  const RATE = 0.05;

  /** An in-memory event writer: stores each event_id once, in arrival order; counts the duplicates it was given. */
  function memoryWriter() {
    const rows: PaymentEvent[] = [];
    const ids = new Set<string>();
    const counts = { duplicates: 0 };
    const writer: EventWriter = {
      write(events) {
        const inserted = events.filter((e) => !ids.has(e.event_id));
        for (const e of inserted) ids.add(e.event_id);
        rows.push(...inserted);
        counts.duplicates += events.length - inserted.length;
        return Promise.resolve({
          inserted,
          duplicates: events.filter((e) => !inserted.includes(e)).map((e) => e.event_id),
        });
      },
    };
    return { rows, writer, counts };
  }
  type MemoryStore = ReturnType<typeof memoryWriter>;

  /** The demo history mark in memory (a copy is kept, as a file would). */
  function memoryMarks(): DemoHistoryMarks & { current(): DemoHistoryMark | null } {
    let mark: DemoHistoryMark | null = null;
    return {
      read: () => Promise.resolve(mark && structuredClone(mark)),
      write: (m) => Promise.resolve(void (mark = structuredClone(m))),
      current: () => mark,
    };
  }

  /** Runs the demo until the history is stored; the live sender records where the stream went on. */
  async function run(opts: {
    engine: boolean;
    remoteEngine: boolean;
    /** The engine's own warm-up from the store (`engineReady`), given the fake clock and a view of the run. */
    engineReady?: (run: {
      advance(ms: number): void;
      fedSoFar(): number;
      liveSoFar(): number;
      abort(): void;
    }) => Promise<void>;
    /** The store and mark of earlier starts (default: empty). */
    store?: MemoryStore;
    marks?: DemoHistoryMarks;
    /** Wall clock at this start (default NOW). */
    start?: number;
    /** Ctrl-C once the store has taken this many writes in this start. */
    stopAfterWrites?: number;
    /** Ctrl-C once the engine has been fed this many batches of history. */
    stopAfterFeeds?: number;
    /** Demo rate (default RATE). */
    rate?: number;
  }) {
    let clock = opts.start ?? NOW;
    const storeFirst = !opts.engine && opts.remoteEngine;
    const store = opts.store ?? memoryWriter();
    let writes = 0;
    const writer: EventWriter = {
      async write(events) {
        const r = await store.writer.write(events);
        if (++writes === opts.stopAfterWrites) ac.abort();
        return r;
      },
    };
    let feeds = 0;
    const engineLog: { ts: number; id: string; held: boolean }[] = [];
    const liveSeen: PaymentEvent[] = [];
    const liveIds = new Set<string>();
    const engineSink = {
      name: 'alerts',
      consume(events: readonly PaymentEvent[]) {
        // Live events reach the live sinks first (when ingested), the engine later.
        const held = events.every((e) => liveIds.has(e.event_id));
        for (const e of events) engineLog.push({ ts: e.ts, id: e.event_id, held });
        // History takes wall time to feed: live events come due meanwhile (10 min per batch).
        if (!held) clock += 10 * 60_000;
        if (!held && ++feeds === opts.stopAfterFeeds) ac.abort();
      },
    };
    const lines: string[] = [];
    /** The event ids in the store when the start says the engine is warm. */
    let storedAtWarm = new Set<string>();
    const ac = new AbortController();
    let sendStart: { next: number; stored: number } | undefined;
    await runDemoTraffic({
      url: 'http://127.0.0.1:1',
      key: 'k',
      rate: opts.rate ?? RATE,
      seed: 7,
      signal: ac.signal,
      logger,
      now: () => clock,
      say: (l) => {
        lines.push(l);
        if (l.startsWith('Alert engine warmed')) storedAtWarm = new Set(store.rows.map((e) => e.event_id));
        if (l.startsWith('Demo history back-filled') && !storeFirst) ac.abort();
      },
      history: createDemoHistoryTargets({
        writer,
        masker,
        engineSink: opts.engine ? engineSink : null,
        liveSinks: [
          {
            name: 'live',
            consume: (events) => {
              liveSeen.push(...events);
              for (const e of events) liveIds.add(e.event_id);
            },
          },
        ],
        hooks: { ingested: () => {} },
        remoteEngine: opts.remoteEngine,
        ...(opts.engineReady
          ? {
              engineReady: () =>
                opts.engineReady!({
                  advance: (ms) => void (clock += ms),
                  fedSoFar: () => engineLog.length,
                  liveSoFar: () => liveSeen.length,
                  abort: () => ac.abort(),
                }),
            }
          : {}),
        // The store's overview: any event in [from, to).
        hasHistory: (from, to) => Promise.resolve(store.rows.some((e) => e.ts >= from && e.ts < to)),
        marks: opts.marks ?? memoryMarks(),
        logger,
      }),
      send: async (o) => {
        sendStart = { next: o.generator!.peekTime(), stored: store.rows.length };
        // Without history (a store that has it) nothing else would stop this start.
        if (storeFirst || lines.length === 0) ac.abort();
        await new Promise((r) => (o.signal!.aborted ? r(null) : o.signal!.addEventListener('abort', r)));
        return { accepted: 0, stopped: 'aborted' };
      },
    });
    return {
      store: store.rows,
      engineLog,
      liveSeen,
      lines,
      sendStart: sendStart!,
      clock,
      abort: ac,
      storedAtWarm,
    };
  }

  /** The history event_ids (event time before `start`) in a store. */
  const historyIds = (rows: readonly PaymentEvent[], start: number) =>
    new Set(rows.filter((e) => e.ts < start).map((e) => e.event_id));

  it('warms the engine with the recent hours, then holds-back live events, then stores all history behind live traffic', async () => {
    const r = await run({ engine: true, remoteEngine: false });
    const warmFrom = NOW - DEMO_RECENT_HOURS * HOUR;
    const fed = r.engineLog.filter((e) => !e.held);
    const held = r.engineLog.filter((e) => e.held);
    // The engine got the recent history, in event order, then the live events held meanwhile: never late.
    expect(fed.length).toBeGreaterThan(0.8 * RATE * DEMO_RECENT_HOURS * 3600);
    expect(fed.every((e) => e.ts >= warmFrom && e.ts < NOW)).toBe(true);
    expect(held.length).toBeGreaterThan(0);
    expect(held.every((e) => e.ts >= NOW)).toBe(true);
    for (let i = 1; i < r.engineLog.length; i++)
      expect(r.engineLog[i]!.ts).toBeGreaterThanOrEqual(r.engineLog[i - 1]!.ts);
    // Held live events were stored and reached the live stream; history did not.
    expect(r.liveSeen.map((e) => e.event_id)).toEqual(held.map((e) => e.id));
    // The HTTP stream continues the same live stream after the last held event.
    expect(r.sendStart.next).toBeGreaterThan(Math.max(...held.map((e) => e.ts)));
    // Live traffic started long before the history was stored.
    expect(r.sendStart.stored).toBeLessThan(r.store.length / 4);
    // Every history event is stored once, the engine's recent hours as the very same events.
    const storedIds = new Set(r.store.map((e) => e.event_id));
    expect(storedIds.size).toBe(r.store.length);
    for (const e of fed) expect(storedIds.has(e.id)).toBe(true);
    // The newest minutes (the live screen's sparklines) were stored first of all, before the
    // engine was fed: in the store by the time it is warm, not behind the older hours.
    const firstCut = NOW - DEMO_FIRST_MINUTES * 60_000;
    const newest = r.store.filter((e) => e.ts >= firstCut && e.ts < NOW);
    expect(newest.length).toBeGreaterThan(0.8 * RATE * DEMO_FIRST_MINUTES * 60);
    for (const e of newest) expect(r.storedAtWarm.has(e.event_id)).toBe(true);
    const firstWritten = r.store.filter((e) => e.ts < NOW).slice(0, newest.length);
    expect(firstWritten.every((e) => e.ts >= firstCut)).toBe(true);
    const history = r.store.filter((e) => e.ts < NOW);
    expect(history.length).toBeGreaterThan(0.9 * DEMO_HISTORY_DAYS * 86_400 * RATE);
    expect(Math.min(...history.map((e) => e.ts))).toBeLessThan(NOW - (DEMO_HISTORY_DAYS - 0.1) * DAY);
    expect(r.lines.map((l) => l.split(':')[0])).toEqual([
      'Live demo traffic',
      `Alert engine warmed with ${fed.length} events of history in ${((r.clock - NOW) / 1000).toFixed(1)} s.\n`.split(
        ':',
      )[0],
      'Demo history back-filled',
    ]);
  });

  it("feeds the engine its history only once the engine's own warm-up from the store has ended; live traffic is stored and broadcast meanwhile", async () => {
    let fedBeforeReady = -1;
    let liveBeforeReady = -1;
    const r = await run({
      engine: true,
      remoteEngine: false,
      // A store warm-up lasting 30 minutes of wall clock (a busy box): live events come due meanwhile.
      engineReady: async (run) => {
        run.advance(30 * 60_000);
        await new Promise((res) => setTimeout(res, 700));
        fedBeforeReady = run.fedSoFar();
        liveBeforeReady = run.liveSoFar();
      },
    });
    // Nothing reached the engine before its own warm-up ended (it would only have been held there).
    expect(fedBeforeReady).toBe(0);
    // Live traffic did not wait: due events were stored and broadcast during the warm-up.
    expect(liveBeforeReady).toBeGreaterThan(0.8 * RATE * 1800);
    const fed = r.engineLog.filter((e) => !e.held);
    const held = r.engineLog.filter((e) => e.held);
    expect(fed.length).toBeGreaterThan(0.8 * RATE * DEMO_RECENT_HOURS * 3600);
    expect(fed.every((e) => e.ts < NOW)).toBe(true);
    // Then the history, then the live events held meanwhile: event time never goes back.
    expect(held.length).toBeGreaterThanOrEqual(liveBeforeReady);
    for (let i = 1; i < r.engineLog.length; i++)
      expect(r.engineLog[i]!.ts).toBeGreaterThanOrEqual(r.engineLog[i - 1]!.ts);
    expect(r.liveSeen.map((e) => e.event_id)).toEqual(held.map((e) => e.id));
  });

  it('a stop during the engine warm-up ends the demo without waiting for the warm-up', async () => {
    const t = Date.now();
    const r = await run({
      engine: true,
      remoteEngine: false,
      engineReady: (run) => {
        setTimeout(() => run.abort(), 50);
        return new Promise<void>(() => {});
      },
    });
    expect(Date.now() - t).toBeLessThan(5_000);
    expect(r.engineLog.filter((e) => !e.held)).toEqual([]);
    expect(r.lines.some((l) => l.startsWith('Alert engine warmed'))).toBe(false);
  });

  it('a stop while the engine is fed its history leaves no minute of it half-fed (the live events that follow would close it: judged a sudden silence, expected_silence fired)', async () => {
    // 1 event/s: the 2 recent hours are several feed batches; Ctrl-C after the first one.
    const r = await run({ engine: true, remoteEngine: false, rate: 1, stopAfterFeeds: 1 });
    const fed = r.engineLog.filter((e) => !e.held);
    expect(fed.length).toBeGreaterThan(0);
    expect(fed.length).toBeLessThan(1 * DEMO_RECENT_HOURS * 3600 * 0.8);
    // The history the engine got ends on a whole minute: every event of its last minute.
    const last = Math.floor(Math.max(...fed.map((e) => e.ts)) / 60_000) * 60_000;
    const [seg] = engineWarmup(seededHistoryPlan(NOW, 1, 7), NOW);
    const whole = createGenerator({ seed: seg!.seed, start: seg!.from, end: seg!.to, rate: seg!.rate });
    const inLastMinute: string[] = [];
    for (let t = whole.peekTime(); t < last + 60_000; t = whole.peekTime()) {
      const e = whole.next()!;
      if (t >= last) inLastMinute.push(e.event_id);
    }
    expect(inLastMinute.length).toBeGreaterThan(10);
    expect(fed.filter((e) => e.ts >= last).map((e) => e.id)).toEqual(inLastMinute);
    // Nothing of the minutes after it (the feed stopped there).
    expect(fed.every((e) => e.ts < last + 60_000)).toBe(true);
  });

  it('with an alert engine elsewhere reading the store, stores the history first, in event order', async () => {
    const r = await run({ engine: false, remoteEngine: true });
    expect(r.engineLog).toEqual([]);
    expect(r.sendStart.stored).toBe(r.store.length);
    expect(r.store.length).toBeGreaterThan(0.9 * DEMO_HISTORY_DAYS * 86_400 * RATE);
    for (let i = 1; i < r.store.length; i++)
      expect(r.store[i]!.ts).toBeGreaterThanOrEqual(r.store[i - 1]!.ts);
    expect(r.lines[0]).toMatch(/^Back-filling 8 days of demo history first/);
  });

  it('without an alert engine, live traffic starts at once and the history is stored behind it', async () => {
    const r = await run({ engine: false, remoteEngine: false });
    expect(r.sendStart.stored).toBeLessThan(r.store.length / 4);
    expect(r.store.length).toBeGreaterThan(0.9 * DEMO_HISTORY_DAYS * 86_400 * RATE);
    expect(r.lines[0]).toMatch(/^Live demo traffic: 0.05 events\/s; 8 days of demo history/);
  });

  it('a start stopped during the back-fill: the next start stores the missing part of the same history, no event twice, then never again', async () => {
    const store = memoryWriter();
    const marks = memoryMarks();
    // First start: Ctrl-C after 3 batches of history (the last 2 hours, then part of the older days).
    const first = await run({ engine: false, remoteEngine: false, store, marks, stopAfterWrites: 3 });
    expect(first.lines.some((l) => l.startsWith('Demo history back-filled'))).toBe(false);
    const afterFirst = store.rows.length;
    expect(afterFirst).toBeGreaterThan(0);
    expect(complete(marks.current()!)).toBe(false);

    // Next start, 10 minutes later: it goes on with the history of the first start, behind live
    // traffic and past the alert engine (which judged the first start's live events: it would be late).
    const later = NOW + 10 * 60_000;
    const second = await run({ engine: true, remoteEngine: false, store, marks, start: later });
    expect(second.lines[0]).toMatch(/^Live demo traffic: 0.05 events\/s; the rest of the demo history/);
    expect(second.engineLog).toEqual([]);
    expect(second.sendStart.stored).toBeLessThan(store.rows.length / 2);
    expect(second.lines.at(-1)).toMatch(/^Demo history back-filled/);
    expect(complete(marks.current()!)).toBe(true);

    // Exactly the history an uninterrupted first start stores, each event once.
    const whole = await run({ engine: false, remoteEngine: false });
    expect(historyIds(store.rows, NOW)).toEqual(historyIds(whole.store, NOW));
    expect(new Set(store.rows.map((e) => e.event_id)).size).toBe(store.rows.length);
    // Only the segment cut short was sent again (the store dropped its stored part as duplicates).
    expect(store.counts.duplicates).toBeGreaterThan(0);
    expect(store.counts.duplicates).toBeLessThan(afterFirst);

    // Once complete, a later start adds no history.
    const rows = store.rows.length;
    const third = await run({ engine: false, remoteEngine: false, store, marks, start: later + 60_000 });
    expect(third.lines).toEqual([]);
    expect(store.rows.length).toBe(rows);
  });

  it('a start stopped before any history was stored (only live events were): the next start back-fills all 8 days', async () => {
    const store = memoryWriter();
    const marks = memoryMarks();
    // Ctrl-C 5 minutes into the engine's own warm-up: live events were stored, no history.
    await run({
      engine: true,
      remoteEngine: false,
      store,
      marks,
      engineReady: async (r) => {
        r.advance(5 * 60_000);
        await new Promise((res) => setTimeout(res, 700));
        r.abort();
      },
    });
    expect(store.rows.length).toBeGreaterThan(0);
    expect(store.rows.every((e) => e.ts >= NOW)).toBe(true);

    const later = NOW + 10 * 60_000;
    const second = await run({ engine: true, remoteEngine: false, store, marks, start: later });
    expect(second.lines[0]).toMatch(/^Live demo traffic: 0.05 events\/s. The alert engine first learns/);
    expect(second.lines.at(-1)).toMatch(/^Demo history back-filled/);
    const history = store.rows.filter((e) => e.ts < NOW);
    expect(history.length).toBeGreaterThan(0.9 * DEMO_HISTORY_DAYS * 86_400 * RATE);
    expect(Math.min(...history.map((e) => e.ts))).toBeLessThan(later - (DEMO_HISTORY_DAYS - 0.1) * DAY);
    expect(new Set(store.rows.map((e) => e.event_id)).size).toBe(store.rows.length);
  });

  it('a store holding events but no demo history mark (its own data) gets no history', async () => {
    const store = memoryWriter();
    const own = await run({ engine: false, remoteEngine: false });
    await store.writer.write(own.store.slice(0, 100));
    const r = await run({ engine: false, remoteEngine: false, store, start: NOW + 60_000 });
    expect(r.lines).toEqual([]);
    expect(store.rows.length).toBe(100);
  });
});

/**
 * Runs the demo's live traffic from `t0` (rate 20, seed 7) and reads its generator for `ms`
 * instead of sending; resolves to those events and the lines the demo said.
 */
async function readLiveTraffic(
  t0: number,
  ms: number,
  incidents?: string[],
): Promise<{ events: PaymentEventInput[]; lines: string[] }> {
  const events: PaymentEventInput[] = [];
  const lines: string[] = [];
  await runDemoTraffic({
    url: 'http://127.0.0.1:1',
    key: 'k',
    rate: 20,
    seed: 7,
    signal: new AbortController().signal,
    logger: createLogger({ level: 'silent' }),
    now: () => t0,
    say: (l) => lines.push(l),
    ...(incidents ? { incidents } : {}),
    send: async (o) => {
      const g = o.generator!;
      while (g.peekTime() < t0 + ms) {
        const e = g.next();
        if (!e) break;
        events.push(e);
      }
      return { accepted: 0, stopped: 'aborted' };
    },
  });
  return { events, lines };
}

describe('runDemoTraffic --incident', () => {
  it('injects the incident into the live traffic, counted from its start', async () => {
    const t0 = NOW;
    const outcome = { in: { ok: 0, failed: 0 }, out: { ok: 0, failed: 0 } };
    const { events, lines } = await readLiveTraffic(t0, 8 * 60_000, ['provider-outage:adyen@+2m/3m']);
    for (const e of events) {
      const success = e.status === 'succeeded' || e.status === 'captured';
      if (e.provider !== 'adyen' || (!success && e.status !== 'failed')) continue;
      const t = typeof e.ts === 'number' ? e.ts : Date.parse(e.ts);
      const w = t >= t0 + 2 * 60_000 && t < t0 + 5 * 60_000 ? outcome.in : outcome.out;
      if (e.status === 'failed') w.failed++;
      else w.ok++;
    }
    expect(lines).toContain(
      `Demo incident: provider-outage:adyen ${new Date(t0 + 2 * 60_000).toISOString()} → ${new Date(t0 + 5 * 60_000).toISOString()}\n`,
    );
    const rate = (w: { ok: number; failed: number }) => w.ok / (w.ok + w.failed);
    expect(outcome.in.ok + outcome.in.failed).toBeGreaterThan(100);
    expect(rate(outcome.out)).toBeGreaterThan(0.85);
    expect(rate(outcome.in)).toBeLessThan(0.6);
  });
});

describe('runDemoTraffic live ids', () => {
  it('a restart with the same --seed sends new event ids, not the previous start’s again', async () => {
    const idsOf = async (t0: number): Promise<string[]> =>
      (await readLiveTraffic(t0, 60_000)).events.map((e) => e.event_id);
    const first = await idsOf(NOW);
    const restarted = new Set(await idsOf(NOW + 5 * 60_000));
    expect(first.length).toBeGreaterThan(500);
    // Before: the restart's generator started its id counter again (the store dropped ~all of it).
    expect(first.filter((id) => restarted.has(id))).toEqual([]);
  });
});
