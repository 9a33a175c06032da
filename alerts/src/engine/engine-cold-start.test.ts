// Guards the cold start in the middle of an incident: a fresh live engine fed the last hours of stored events before any live event (what a composition root can do when no detector snapshot exists) pages the outage that began before it started; without that history it learns the outage as normal and pages nothing.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AlertTransition } from './engine.js';
import { eventStream } from '../detect/synthetic.js';
import { providerDropPack, startLiveEngine } from './testing/live-engine.js';

const MIN = 60_000;
const W = Date.UTC(2026, 2, 2, 12, 0); // wall clock at the engine's (fresh) start
const onset = W - 20 * MIN; // stripe went down 20 minutes before the start…
const recover = W + 30 * MIN; // …and is still down for the 12 live minutes below

const yaml = (url: string) => providerDropPack(url, { minAttempts: 60, allowedLateness: '1m' });

const traffic = (from: number, minutes: number, seed: number) =>
  eventStream({
    from,
    minutes,
    perMinute: 40,
    providers: ['adyen', 'stripe'],
    successRate: (t, p) => (p === 'stripe' && t >= onset && t < recover ? 0.35 : 0.92),
    failure: (t, p) => (p === 'stripe' && t >= onset && t < recover ? 'provider_error' : 'do_not_honor'),
    seed,
  });

afterEach(() => vi.useRealTimers());

async function run(
  warmHours: number,
): Promise<{ pages: string[]; seen: AlertTransition[]; withheld: number }> {
  const { rx, engine, seen, pages: paged, sendHistory, sendMinutes } = await startLiveEngine(yaml, W);
  expect(engine.stats().restored_series).toBe(0);
  // Warm-up: the stored events of the last `warmHours`, in event-time order, before any live one.
  if (warmHours > 0) await sendHistory(traffic(W - warmHours * 60 * MIN, warmHours * 60, 5));
  // Live traffic, minute by minute, with the wall clock.
  await sendMinutes(traffic(W, 12, 6), W, 12);
  // Delivery is real HTTP: give a page a moment to arrive.
  if (warmHours > 0) await vi.waitFor(() => expect(rx.requests.length).toBeGreaterThan(0), { timeout: 5000 });
  const pages = paged();
  const withheld = engine.stats().history_notifications_withheld;
  expect(engine.stats().late_events).toBe(0);
  await engine.stop();
  await rx.close();
  return { pages, seen, withheld };
}

describe('cold start in the middle of an incident', () => {
  it('with 3 h of stored history fed first: the ongoing outage pages once live traffic confirms it', async () => {
    const { pages, seen, withheld } = await run(3);
    // Found in the history (the onset, 20 min before the start) and withheld there…
    const first = seen.find((t) => t.state === 'firing' && t.labels['provider'] === 'stripe');
    expect(first?.rule).toBe('provider_success_rate_drop');
    expect(first!.at - onset).toBeLessThanOrEqual(2 * MIN);
    expect(withheld).toBeGreaterThan(0);
    // …and paged once the live minutes are still anomalous; adyen never.
    expect(pages).toEqual(['firing provider_success_rate_drop stripe']);
  }, 60_000);

  it('without history: the fresh detector learns the outage as its baseline and pages nothing (the known weakness)', async () => {
    const { pages, seen } = await run(0);
    expect(seen.filter((t) => t.state === 'firing')).toEqual([]);
    expect(pages).toEqual([]);
  }, 60_000);
});
