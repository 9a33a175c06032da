import { setImmediate as yieldToIo } from 'node:timers/promises';
import type { PaymentEvent, PaymentEventInput } from '@paywatch/contracts';
import type { Logger } from '../lib/logger.js';
import { createPipeline, type PipelineHooks } from '../pipeline/pipeline.js';
import type { Masker } from '../pipeline/steps/mask.step.js';
import { createFanOut, type Sink } from '../sinks/sink.js';
import type { EventWriter } from '../store/types.js';
import { createGenerator, type EventGenerator } from '../simulator/generator.js';
import { hash32 } from '../simulator/prng.js';
import { describeIncident, parseIncident } from '../simulator/incidents.js';
import { sendEvents, type SendOptions, type SendReport } from '../simulator/sender.js';
import type { DemoHistoryMark, DemoHistoryMarks } from './demo-history-mark.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Days of simulated history a fresh demo store gets, so trends and week-over-week compare have data. */
export const DEMO_HISTORY_DAYS = 8;
/** Mean events per second of the thin part of that history (the older days). */
export const DEMO_HISTORY_RATE = 0.15;
/**
 * Hours right before the start back-filled at the live demo rate: the alert engine's rate
 * baselines (120–240 min) and latency levels (60 min) are warm, and the last hours of every
 * trend have the live volume.
 */
export const DEMO_RECENT_HOURS = 2;
/**
 * Hours after "now − 7 days" back-filled at the live rate, with the hour before it, so the trends
 * explorer's default view (the last hour, compared with the same hour last week) compares like
 * with like during the first half hour of a demo. (Half an hour on each side left the first half
 * of that view's last week thin at the start: the dashed lines began mid-chart.)
 */
export const DEMO_WEEK_AGO_HOURS = 0.5;
/**
 * Minutes of the newest history stored before the rest (before the alert engine is fed the last
 * hours): the live screen's sparklines are the last 30 complete minutes.
 */
export const DEMO_FIRST_MINUTES = 31;
/** The trends explorer's default range, whose last-week comparison the full-rate window covers. */
const DEFAULT_VIEW_HOURS = 1;
/** The live rate at which the full-rate parts of the history are capped (keeps the history ≈ 350k events). */
export const DEMO_HISTORY_MAX_RATE = 20;

/** One contiguous stretch of back-filled history: [from, to) at `rate` events/s. */
export interface HistorySegment {
  from: number;
  to: number;
  rate: number;
}

/**
 * The demo history of a fresh store, as contiguous segments in event-time order: the older days
 * thin (`DEMO_HISTORY_RATE`), the last `DEMO_RECENT_HOURS` and the hours around one week ago at
 * the live rate (capped at `DEMO_HISTORY_MAX_RATE`). Ends at `now`.
 */
export function demoHistoryPlan(now: number, liveRate: number): HistorySegment[] {
  const full = Math.min(liveRate, DEMO_HISTORY_MAX_RATE);
  const thin = Math.min(full, DEMO_HISTORY_RATE);
  const start = now - DEMO_HISTORY_DAYS * DAY;
  const weekAgo = now - 7 * DAY;
  const weekFrom = weekAgo - DEFAULT_VIEW_HOURS * HOUR;
  const weekTo = weekAgo + DEMO_WEEK_AGO_HOURS * HOUR;
  const recent = now - DEMO_RECENT_HOURS * HOUR;
  const bounds: HistorySegment[] = [
    { from: start, to: weekFrom, rate: thin },
    { from: weekFrom, to: weekTo, rate: full },
    { from: weekTo, to: recent, rate: thin },
    { from: recent, to: now, rate: full },
  ];
  return bounds.filter((s) => s.to > s.from);
}

/** Expected number of events of a plan (mean rates; seasonality moves it by a few %). */
export function demoHistoryEvents(plan: readonly HistorySegment[]): number {
  return Math.round(plan.reduce((n, s) => n + ((s.to - s.from) / 1000) * s.rate, 0));
}

/** A history segment with the simulator seed its events are generated from (same seed → same events). */
export interface SeededSegment extends HistorySegment {
  seed: number;
}

/**
 * The history of a demo started at `anchor` with this seed and rate, each segment with its own
 * seed hashed from the demo seed: ids never collide with the live stream's, nor with a later
 * start's live stream on a nearby seed (`seed + 1 + i` did: `--seed 22` after `--seed 21`
 * repeated segment 0's ids, and the store dropped those history events). Same arguments → the
 * very same events, event_ids included: what lets a later start store the missing part of it.
 */
export function seededHistoryPlan(anchor: number, rate: number, seed: number): SeededSegment[] {
  return demoHistoryPlan(anchor, rate).map((s, i) => ({ ...s, seed: hash32(seed, 0x4157, i) >>> 0 }));
}

/** What a start does about demo history (`demoHistoryToDo`). */
export type DemoHistoryToDo =
  | {
      /** `done`: the mark says this store has its whole history; `data`: events but no mark (not ours to fill). */
      kind: 'skip';
      reason: 'done' | 'data';
    }
  | {
      /** `fresh`: a new history ending now; `resume`: the rest of an earlier start's history. */
      kind: 'fresh' | 'resume';
      mark: DemoHistoryMark;
      plan: SeededSegment[];
      /** The segments still to store (all of them when fresh), in plan order. */
      missing: SeededSegment[];
    };

/**
 * Decides from the mark and the store what history a demo start at `now` stores:
 * - a mark whose history is (partly) in the store: skip when complete, else `resume` it (same
 *   anchor, seed and rate: the same events, so the store drops those it has);
 * - an incomplete mark with none of its history stored (stopped before the first batch): `fresh`;
 * - no usable mark: `fresh` on a store with no events in the last `DEMO_HISTORY_DAYS` (the live
 *   minute aside), else skip (its own data, or a store wiped of a completed history's window
 *   that has had traffic since).
 */
export async function demoHistoryToDo(
  mark: DemoHistoryMark | null,
  hasHistory: (from: number, to: number) => Promise<boolean>,
  start: { now: number; rate: number; seed: number },
): Promise<DemoHistoryToDo> {
  if (mark) {
    const plan = seededHistoryPlan(mark.anchor, mark.rate, mark.seed);
    const missing = plan.filter((s) => !mark.stored.includes(s.seed));
    const from = plan[0]?.from ?? mark.anchor;
    if (await hasHistory(from, mark.anchor)) {
      if (missing.length === 0) return { kind: 'skip', reason: 'done' };
      return { kind: 'resume', mark, plan, missing };
    }
    if (missing.length > 0) return fresh(start);
  }
  if (await hasHistory(start.now - DEMO_HISTORY_DAYS * DAY, start.now - 60_000))
    return { kind: 'skip', reason: 'data' };
  return fresh(start);
}

function fresh(start: { now: number; rate: number; seed: number }): DemoHistoryToDo {
  const plan = seededHistoryPlan(start.now, start.rate, start.seed);
  const mark = { anchor: start.now, seed: start.seed >>> 0, rate: start.rate, stored: [] };
  return { kind: 'fresh', mark, plan, missing: plan };
}

/**
 * The part of a plan the alert engine is warmed with before live traffic: the segments of the
 * last `DEMO_RECENT_HOURS` (at the live rate), in event-time order. Its rate baselines
 * (120–240 min) and latency levels (60 min) need exactly these; the thin older days teach it
 * nothing at the live volume.
 */
export function engineWarmup<S extends HistorySegment>(plan: readonly S[], now: number): S[] {
  return plan.filter((s) => s.from >= now - DEMO_RECENT_HOURS * HOUR);
}

/**
 * The order in which history is written to the store behind live traffic: the full-rate
 * segments first, newest first (the last hours and "a week ago" are what the dashboard's default
 * views show), then the thin days, newest first.
 */
export function storeOrder<S extends HistorySegment>(segments: readonly S[]): S[] {
  const full = Math.max(...segments.map((s) => s.rate));
  const newestFirst = (a: S, b: S) => b.from - a.from;
  return [
    ...segments.filter((s) => s.rate === full).sort(newestFirst),
    ...segments.filter((s) => s.rate !== full).sort(newestFirst),
  ];
}

/** Posts a live stream to the ingest API until the signal aborts (`sendEvents`; tests pass a fake). */
export type LiveSender = (
  o: Pick<SendOptions, 'url' | 'key' | 'generator' | 'signal'>,
) => Promise<Pick<SendReport, 'accepted' | 'stopped'>>;

/**
 * Where the demo history goes, apart from the HTTP ingest API that live traffic uses. Every path
 * runs the ingest pipeline's own steps (validate → normalize → mask → dedupe), in process.
 */
export interface DemoHistoryTargets {
  /** Resolves true when the store already holds events from the history window. */
  hasHistory(from: number, to: number): Promise<boolean>;
  /** The demo history mark kept across starts: which history this store has, and how far storing it got. */
  marks: DemoHistoryMarks;
  /**
   * Stores events, seen by no sink: not the alert engine (it would get them after live traffic,
   * as late data), not the live stream, not the ingest metrics. Resolves to the number stored.
   */
  store(inputs: readonly PaymentEventInput[]): Promise<number>;
  /** The in-process alert engine, or null when it does not run in this process. */
  engine: {
    /**
     * Resolves once the engine takes events directly: its own warm-up from the store (which
     * holds every input back meanwhile, bounded) has ended. History is fed after it.
     */
    ready(): Promise<void>;
    /** Feeds events to the engine only (not stored), in the order given. */
    feed(inputs: readonly PaymentEventInput[]): Promise<number>;
    /**
     * Ingests live events like the HTTP API does (stored, counted, broadcast) except that the
     * engine does not get them: resolves to the stored events, for `consume` later.
     */
    ingestHeld(inputs: readonly PaymentEventInput[]): Promise<readonly PaymentEvent[]>;
    /** Hands stored events to the engine (those `ingestHeld` kept back), in the order given. */
    consume(events: readonly PaymentEvent[]): void;
  } | null;
  /**
   * True when an alert engine elsewhere (`paywatch alerts`) reads this store in arrival order:
   * the history must then be stored before live traffic starts.
   */
  storeFirst: boolean;
}

/**
 * The history targets of a running collector: pipelines on its writer (the spool in front of
 * ClickHouse, else the store) and its masker, with the sinks each path may reach.
 */
export function createDemoHistoryTargets(deps: {
  writer: EventWriter;
  masker: Masker;
  /** The in-process alert engine's sink (synchronous), or null. */
  engineSink: Sink | null;
  /** The other sinks live ingest feeds (metrics, live stream), for live events held from the engine. */
  liveSinks: readonly Sink[];
  hooks: PipelineHooks;
  /** An alert engine elsewhere reads the store (PAYWATCH_ALERTS_URL). */
  remoteEngine: boolean;
  /**
   * The in-process engine's own warm-up from the store (`AlertsInCollector.warmedUp`); default:
   * none. Until it ends, the engine sink holds whatever it is given.
   */
  engineReady?: () => Promise<void>;
  hasHistory: (from: number, to: number) => Promise<boolean>;
  marks: DemoHistoryMarks;
  logger: Logger;
}): DemoHistoryTargets {
  const { writer, masker, logger } = deps;
  const none: Sink = { name: 'none', consume: () => {} };
  const quiet = { ingested: () => {} };
  const toStore = createPipeline({ writer, masker, sink: none, hooks: quiet, logger });
  const engineSink = deps.engineSink;
  const source = { source: 'api' } as const;
  let engine: DemoHistoryTargets['engine'] = null;
  if (engineSink) {
    // Normalized and masked like stored events, handed to the engine without being written.
    const notWritten: EventWriter = {
      write: (events) => Promise.resolve({ inserted: events, duplicates: [] }),
    };
    const toEngine = createPipeline({ writer: notWritten, masker, sink: engineSink, hooks: quiet, logger });
    const held = createPipeline({
      writer,
      masker,
      sink: createFanOut(deps.liveSinks, logger),
      hooks: deps.hooks,
      logger,
    });
    engine = {
      ready: deps.engineReady ?? (() => Promise.resolve()),
      feed: async (inputs) => (await toEngine.ingest(inputs, source)).accepted,
      ingestHeld: async (inputs) => (await held.ingest(inputs, source)).inserted,
      consume: (events) => void engineSink.consume(events),
    };
  }
  return {
    hasHistory: deps.hasHistory,
    marks: deps.marks,
    store: async (inputs) => (await toStore.ingest(inputs, source)).accepted,
    engine,
    storeFirst: engineSink === null && deps.remoteEngine,
  };
}

/**
 * Generates a segment's events in batches and hands each batch to `to` (only those in event time
 * [`from`, `until`), when given); resolves to the total it reports. A stop ends it between batches;
 * with `wholeMinutes` (the alert engine's feed) the minute the last batch ended in is completed
 * first: the engine closes a minute once later events
 * arrive (the live ones held meanwhile), and a minute it got only part of would be judged a sudden
 * drop — a Ctrl-C in the first seconds fired expected_silence for it ("0 attempts in 1 min").
 */
async function pump(
  seg: SeededSegment,
  to: (inputs: readonly PaymentEventInput[]) => Promise<number>,
  signal: AbortSignal,
  { wholeMinutes = false, from = -Infinity, until = Infinity } = {},
): Promise<number> {
  const gen = createGenerator({ seed: seg.seed, start: seg.from, end: seg.to, rate: seg.rate });
  let done = 0;
  let batch: PaymentEventInput[] = [];
  let times: number[] = [];
  let lastSent = -Infinity;
  while (!signal.aborted) {
    const t = gen.peekTime();
    if (t >= until) break;
    const e = gen.next();
    if (!e) break;
    // Events before `from` are generated (the segment's later events depend on them) but not sent.
    if (t < from) continue;
    batch.push(e);
    times.push(t);
    if (batch.length === 2000) {
      done += await to(batch);
      lastSent = t;
      batch = [];
      times = [];
      // Let the server answer (dashboard, sign-in, live traffic) between batches.
      await yieldToIo();
    }
  }
  if (!signal.aborted) return batch.length > 0 ? done + (await to(batch)) : done;
  if (!wholeMinutes || lastSent === -Infinity) return done;
  // Stopped: the rest of the minute the engine has part of (`batch` holds what came next, in order).
  const end = (Math.floor(lastSent / 60_000) + 1) * 60_000;
  const tail = batch.filter((_, i) => times[i]! < end);
  if (tail.length === batch.length) while (gen.peekTime() < end) tail.push(gen.next()!);
  return tail.length > 0 ? done + (await to(tail)) : done;
}

/** Resolves when `ready` does, or at once when the signal aborts (shutdown must not wait for it). */
function untilReadyOrAborted(ready: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => resolve();
    signal.addEventListener('abort', onAbort, { once: true });
    ready.then(
      () => (signal.removeEventListener('abort', onAbort), resolve()),
      (err: unknown) => (signal.removeEventListener('abort', onAbort), reject(err)),
    );
  });
}

/**
 * Sends the live stream's due events (event time ≤ now) every 250 ms through `ingest` until
 * `stop` resolves, then those due by then; resolves to the stored events in order. The generator
 * goes on where it stops.
 */
async function ingestDue(
  gen: EventGenerator,
  ingest: (inputs: readonly PaymentEventInput[]) => Promise<readonly PaymentEvent[]>,
  stop: Promise<unknown>,
  now: () => number,
): Promise<PaymentEvent[]> {
  const kept: PaymentEvent[] = [];
  let stopped = false;
  void stop.finally(() => (stopped = true));
  for (;;) {
    const batch: PaymentEventInput[] = [];
    for (const due = now(); gen.peekTime() <= due;) {
      const e = gen.next();
      if (!e) break;
      batch.push(e);
    }
    if (batch.length > 0) kept.push(...(await ingest(batch)));
    // After `stop`, one last sweep: everything due by then is held.
    if (stopped) return kept;
    await Promise.race([stop, new Promise((r) => setTimeout(r, 250))]);
  }
}

/**
 * The demo traffic of `paywatch start`: the simulator posting to this collector's ingest API over
 * HTTP, exactly like an external client, until the signal aborts. When the store has no history
 * yet, the past `DEMO_HISTORY_DAYS` days are back-filled around it (each segment with its own
 * seed, so ids never collide with the live stream), without delaying live traffic:
 *
 * 1. Live traffic starts at once. Once the engine's own warm-up from the store (if any) has
 *    ended, and while the alert engine is warmed with the last
 *    `DEMO_RECENT_HOURS` of history (in process, in event-time order: a few seconds), live events
 *    are ingested in process (stored, counted, broadcast) and held back from the engine; then the
 *    engine gets them, in order, and the stream continues over HTTP.
 * 2. The whole history, those recent hours included (same seeds, same events), is then written
 *    to the store behind live traffic, through a path no sink sees.
 *
 * The engine works in event time: history fed to it after live events would be late (dropped), so
 * it gets the recent hours before any live event and no history afterwards. Without an
 * in-process engine, live traffic starts at once and the history is stored behind it — unless an
 * alert engine elsewhere reads the store in arrival order: then the history is stored first.
 *
 * The history's mark (`history.marks`) is written before its first event is stored, then after
 * each segment, and says complete only once all are: a start stopped earlier (Ctrl-C in the
 * first seconds) leaves it incomplete, and the next start stores the missing segments of that
 * same history behind live traffic (the store drops the events it already has: same ids). The
 * engine is not fed then: it judged the earlier start's live events, so that history is late.
 */
export async function runDemoTraffic(opts: {
  url: string;
  key: string;
  rate: number;
  seed: number;
  signal: AbortSignal;
  logger: Logger;
  /** Where history goes; without it, no history. */
  history?: DemoHistoryTargets;
  /** Human-readable progress lines (the start command prints them on stdout). */
  say?: (line: string) => void;
  /** Wall clock (default `Date.now`). */
  now?: () => number;
  /** Default `sendEvents`. */
  send?: LiveSender;
  /**
   * Incidents injected into the live demo traffic (`--incident`, the simulator's syntax); a
   * relative start (`@+3m`) counts from the start of live traffic. Checked by the caller.
   */
  incidents?: readonly string[];
}): Promise<void> {
  const log = opts.logger.child({ component: 'demo' });
  const now = opts.now ?? Date.now;
  const say = opts.say ?? (() => {});
  const signal = opts.signal;
  const t0 = now();
  const incidents = (opts.incidents ?? []).map((spec) => parseIncident(spec, t0));
  for (const i of incidents) {
    log.info({ incident: describeIncident(i) }, 'demo incident scheduled');
    say(`Demo incident: ${describeIncident(i)}\n`);
  }
  // The live stream, as `sendEvents` would build it for a paced run starting at t0.
  const live = createGenerator({
    seed: opts.seed,
    start: t0,
    rate: opts.rate,
    refundDelayMs: 3 * 60_000,
    chargebackDelayMs: 10 * 60_000,
    incidents,
    // Ids unique to this start: with a fixed --seed, a restart generated the previous start's ids
    // again and the store dropped them as duplicates (most live traffic gone for as long as the
    // previous start had run; expected_silence fired for every provider).
    idTag: `s${Math.floor(t0 / 1000).toString(36)}`,
  });
  const history = opts.history;
  const todo = history
    ? await historyToDo(history, { now: t0, rate: opts.rate, seed: opts.seed }, log)
    : null;
  let background: Promise<void> = Promise.resolve();
  const k = (n: number) => `≈ ${Math.round(n / 1000)}k events`;
  if (history && todo && todo.kind !== 'skip') {
    const { mark, plan, missing } = todo;
    const resumed = todo.kind === 'resume';
    // What is stored, and its size: the whole history, or what an earlier start left out.
    const what = resumed
      ? `the rest of the demo history begun at ${new Date(mark.anchor).toISOString()} (a start stopped before storing it)`
      : `${DEMO_HISTORY_DAYS} days of demo history`;
    const size = resumed
      ? `${missing.length} of ${plan.length} parts, ${k(demoHistoryEvents(missing))}`
      : k(demoHistoryEvents(plan));
    log.info(
      { kind: todo.kind, days: DEMO_HISTORY_DAYS, segments: missing, expected: demoHistoryEvents(missing) },
      'demo history',
    );
    /** Records a segment as stored (the mark is complete once every segment of its plan is). */
    const stored = async (seg: SeededSegment): Promise<void> => {
      mark.stored.push(seg.seed);
      await saveMark(history, mark, log);
    };
    /** Stores segments in the order given, each recorded once fully stored; resolves to the events stored. */
    const storeSegments = async (segments: readonly SeededSegment[]): Promise<number> => {
      let n = 0;
      for (const seg of segments) {
        if (signal.aborted) break;
        // A segment whose newest minutes were stored first (`storedFrom`) is stored up to them.
        n += await pump(seg, history.store, signal, { until: storedFrom.get(seg.seed) ?? Infinity });
        if (!signal.aborted) await stored(seg);
      }
      return n;
    };
    /** History events stored before the engine was fed (the newest minutes). */
    let storedEarly = 0;
    /** Segments whose events from this time on are stored already (the newest minutes): seed → time. */
    const storedFrom = new Map<number, number>();
    const toStore = async (): Promise<void> => {
      let n = storedEarly;
      try {
        n += await storeSegments(storeOrder(missing));
      } catch (err) {
        log.error({ err }, 'demo history back-fill failed');
        say(`Demo history back-fill failed (${(err as Error).message}); live traffic goes on.\n`);
        return;
      }
      if (signal.aborted) return;
      const seconds = ((now() - t0) / 1000).toFixed(1);
      log.info({ stored: n, seconds: Number(seconds) }, 'demo history back-filled');
      say(`Demo history back-filled: ${n} events in ${seconds} s.\n`);
    };
    if (history.engine && !resumed) {
      const engine = history.engine;
      const warm = engineWarmup(plan, t0);
      say(
        `Live demo traffic: ${opts.rate} events/s. The alert engine first learns the last ${DEMO_RECENT_HOURS} hours of ` +
          `demo history (${k(demoHistoryEvents(warm))}, in event-time order), then ${what} (${size}) are stored behind live traffic…\n`,
      );
      let warmed!: () => void;
      const warmDone = new Promise<void>((r) => (warmed = r));
      const held = ingestDue(live, engine.ingestHeld, warmDone, now);
      let fed = 0;
      const firstCut = t0 - DEMO_FIRST_MINUTES * 60_000;
      try {
        // The engine's own warm-up from the store comes first (on a busy box it can outlast this
        // one): fed meanwhile, the history would only pile up in its bounded hold, and "warmed"
        // below would be printed before the engine had any of it.
        await untilReadyOrAborted(engine.ready(), signal);
        // The newest DEMO_FIRST_MINUTES of history are stored first of all, before the engine is
        // fed (the generator runs through the older part of their segment without sending it;
        // the rest of it is stored later, up to them): the live screen's sparklines draw them in
        // the first seconds of a demo, not once the engine has learnt the 2 hours they end and the
        // store has taken those in event order. After the engine's own warm-up: a start stopped
        // during that one has stored no history, so the next start is a fresh one.
        for (const seg of warm.filter((x) => x.to > firstCut)) {
          storedEarly += await pump(seg, history.store, signal, { from: firstCut });
          if (!signal.aborted) storedFrom.set(seg.seed, firstCut);
        }
        for (const seg of warm) fed += await pump(seg, engine.feed, signal, { wholeMinutes: true });
      } catch (err) {
        log.error({ err }, 'warming the alert engine with demo history failed');
      } finally {
        warmed();
      }
      let liveHeld: PaymentEvent[] = [];
      try {
        liveHeld = await held;
      } catch (err) {
        log.error({ err }, 'live demo traffic failed while the alert engine warmed');
      }
      engine.consume(liveHeld);
      const seconds = ((now() - t0) / 1000).toFixed(1);
      log.info({ fed, held: liveHeld.length, seconds: Number(seconds) }, 'alert engine warmed');
      if (!signal.aborted) say(`Alert engine warmed with ${fed} events of history in ${seconds} s.\n`);
      background = toStore();
    } else if (history.storeFirst) {
      say(
        `Back-filling ${what} first (${size}, in event-time order: the alert engine reads the store in arrival order); ` +
          `live demo traffic starts right after it…\n`,
      );
      let n = 0;
      try {
        n += await storeSegments(missing);
        // The live stream starts at t0: what the back-fill took is stored first, in order.
        const due = now();
        const caughtUp: PaymentEventInput[] = [];
        while (live.peekTime() <= due) {
          const e = live.next();
          if (!e) break;
          caughtUp.push(e);
        }
        for (let i = 0; i < caughtUp.length; i += 2000) n += await history.store(caughtUp.slice(i, i + 2000));
      } catch (err) {
        log.error({ err }, 'demo history back-fill failed; starting live traffic');
      }
      if (!signal.aborted)
        say(
          `Demo history back-filled: ${n} events in ${((now() - t0) / 1000).toFixed(1)} s. Live demo traffic: ${opts.rate} events/s.\n`,
        );
    } else {
      say(`Live demo traffic: ${opts.rate} events/s; ${what} (${size}) are stored behind it…\n`);
      background = toStore();
    }
  }
  if (signal.aborted) return background;
  const send = opts.send ?? sendEvents;
  const result = await send({ url: opts.url, key: opts.key, generator: live, signal });
  log.info({ accepted: result.accepted, stopped: result.stopped }, 'demo traffic stopped');
  await background;
}

/**
 * Reads the mark and decides (`demoHistoryToDo`); a fresh history's mark is written before any
 * of it is stored. An unreadable mark counts as none (logged): the store decides then.
 */
async function historyToDo(
  history: DemoHistoryTargets,
  start: { now: number; rate: number; seed: number },
  log: Logger,
): Promise<DemoHistoryToDo> {
  const mark = await history.marks.read().catch((err: unknown) => {
    log.warn({ err }, 'cannot read the demo history mark; deciding from the store alone');
    return null;
  });
  const todo = await demoHistoryToDo(mark, (from, to) => history.hasHistory(from, to), start);
  if (todo.kind === 'skip') log.info({ reason: todo.reason }, 'demo history: none needed');
  if (todo.kind === 'fresh') await saveMark(history, todo.mark, log);
  return todo;
}

/** Writes the mark; a failure is logged, not thrown (the next start then re-sends what it cannot tell was stored: deduplicated). */
async function saveMark(history: DemoHistoryTargets, mark: DemoHistoryMark, log: Logger): Promise<void> {
  await history.marks
    .write(mark)
    .catch((err: unknown) => log.warn({ err }, 'cannot write the demo history mark'));
}
