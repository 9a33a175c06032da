// Guards a graceful stop while a receiver hangs: stop() ends within its deadline (it waited ≈ 45 s of retries), and the page it cut off goes out once after the restart, however long the downtime — never twice, and not for an alert that is over by its first judgement after the restart.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { eventStream } from '../detect/synthetic.js';
import { createDeliveryLog } from '../notify/delivery-log.js';
import { ABORTED_ERROR } from '../notify/notifier.js';
import { createMemoryAlertStateStore } from '../state/store.js';
import { OWED_T0, owedEvents, owedPageEngineOn, owedReceiver, runLive } from './testing/owed-page-engine.js';

const MIN = 60_000;

let rx: Awaited<ReturnType<typeof owedReceiver>>;
afterEach(() => {
  vi.useRealTimers();
  return rx.close();
});

/**
 * Starts `make(tickMs)` on a faked interval, lets one tick send the page (past group_wait) and
 * waits until the receiver holds it: the page is under way before the stop's deadline runs (the
 * stop's own flush had to reach the receiver within stopTimeoutMs, 300 ms, which a loaded box
 * could outlast).
 */
async function pageUnderWay<E extends { start(): Promise<void>; onEvents(ev: typeof owedEvents): void }>(
  clock: { wall: number },
  make: (tickMs: number) => E,
): Promise<E> {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  const e = make(1000);
  await e.start();
  e.onEvents(owedEvents);
  clock.wall += MIN; // past group_wait
  await vi.advanceTimersByTimeAsync(1000);
  for (let i = 0; i < 500 && rx.held.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  vi.useRealTimers();
  return e;
}

/** The engine of these tests over one state store; `rx` its receiver. */
function setup() {
  const store = createMemoryAlertStateStore();
  const clock = { wall: OWED_T0 + 20 * MIN };
  const engine = (log = createDeliveryLog(), tickMs = 3_600_000) =>
    owedPageEngineOn(rx.url, store, clock, tickMs, { log });
  return { clock, engine, pages: rx.pages };
}

describe('engine stop with a receiver that hangs', () => {
  it('stops within stopTimeoutMs, and the page it cut off is sent once after the restart', async () => {
    rx = await owedReceiver();
    const { clock, engine, pages } = setup();
    const log = createDeliveryLog();
    const a = await pageUnderWay(clock, (tickMs) => engine(log, tickMs));
    const t0 = Date.now();
    const stopped = await Promise.race([
      a.stop().then(() => 'stopped'),
      new Promise((r) => setTimeout(() => r('still waiting'), 3_000)),
    ]);
    expect(stopped).toBe('stopped');
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(rx.held).toHaveLength(1); // the page was under way
    expect(log.list({ limit: 10 }).map((d) => [d.status, d.error])).toEqual([['failed', ABORTED_ERROR]]);

    // Restarted 30 min later (its evidence is history by then: withheld, it was a lost page) with
    // the receiver back and no traffic yet: the cut-off page goes out at the first judgement
    // after the restart (the alert still fires), once.
    rx.state.hang = false;
    clock.wall += 30 * MIN;
    // A restart stopped again before it judged a minute still owes the page.
    const again = engine();
    await again.start();
    clock.wall += 10_000;
    await again.stop();
    const b = engine(createDeliveryLog(), 5);
    await b.start();
    await runLive(clock, b, 3, []);
    await b.stop();
    expect(pages()).toEqual(['firing stripe']);
    // And a further restart does not send it again.
    const c = engine();
    await c.start();
    clock.wall += 10 * MIN;
    await c.stop();
    expect(rx.bodies).toHaveLength(2);
  });

  it('does not page after the restart for an owed alert that is over by then', async () => {
    // The owed page went out group_wait after the start, before the engine had judged a minute:
    // FIRING for an outage that had ended while it was down, its RESOLVED 5 min later.
    rx = await owedReceiver();
    const { clock, engine, pages } = setup();
    const a = await pageUnderWay(clock, (tickMs) => engine(createDeliveryLog(), tickMs));
    await a.stop();
    expect(rx.held).toHaveLength(1);
    rx.state.hang = false;
    clock.wall += 30 * MIN;
    const recovered = eventStream({
      from: clock.wall,
      minutes: 4,
      perMinute: 40,
      providers: ['stripe'],
      successRate: () => 0.92,
      seed: 12,
    });
    const b = engine(createDeliveryLog(), 5);
    await b.start();
    await runLive(clock, b, 3, recovered);
    expect(b.list().map((x) => x.status)).toEqual(['resolved']);
    await b.stop();
    expect(pages()).toEqual([]);
  });
});
