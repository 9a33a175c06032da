// Guards the recent-level detector: a 6× latency spike fires within 2 minutes (within 1 when the minute has the volume to be judged alone); normal latency noise and a few slow outliers in a thin minute do not.
import { describe, expect, it } from 'vitest';
import { LevelSpecSchema, createLevelDetector } from './level.detector.js';
import { firstAnomalous, rng, synthMinutes } from './synthetic.js';

describe('level detector', () => {
  it('flags a latency spike within 2 minutes and stays quiet before', () => {
    const r = rng(3);
    const ms = synthMinutes(0, 300, () => ({ attempts: 50, successRate: 0.9 })).map((m, i) => {
      const lat = (i >= 240 ? 6 : 1) * (300 + r() * 60);
      return { ...m, latency_sum: lat * m.attempts, latency_n: m.attempts };
    });
    const d = createLevelDetector(LevelSpecSchema.parse({ type: 'level', metric: 'latency_avg' }));
    const ev = ms.map((m) => d.evaluate(m));
    expect(ev.slice(0, 240).filter((e) => e.verdict === 'anomalous')).toHaveLength(0);
    const i = firstAnomalous(ev);
    expect(i).toBeGreaterThanOrEqual(240);
    expect(i).toBeLessThanOrEqual(242);
  });
  // The default pack's latency rule: a 3-minute window, and the latest minute alone once it has
  // 3 × min_attempts; the spike is then seen in its first minute.
  const pack = LevelSpecSchema.parse({
    type: 'level',
    metric: 'latency_gmean',
    window_minutes: 3,
    baseline_minutes: 60,
    k: 8,
    min_relative_change: 1.5,
    direction: 'spike',
    min_attempts: 20,
  });
  const latencyMinutes = (attempts: number, slow: (i: number) => number[]) => {
    const r = rng(5);
    return synthMinutes(0, 200, () => ({ attempts, successRate: 0.9 }), 9).map((m, i) => {
      const lats = Array.from({ length: m.attempts }, () => 300 * Math.exp(0.4 * (r() - 0.5)));
      for (const [j, v] of slow(i).entries()) if (j < lats.length) lats[j] = v;
      return {
        ...m,
        latency_sum: lats.reduce((a, b) => a + b, 0),
        latency_log_sum: lats.reduce((a, b) => a + Math.log(b), 0),
        latency_n: lats.length,
      };
    });
  };
  it('judges a busy minute alone: a 7× spike is flagged in its first minute', () => {
    const d = createLevelDetector(pack);
    const ev = latencyMinutes(80, (i) => (i >= 150 ? Array.from({ length: 200 }, () => 2100) : [])).map((m) =>
      d.evaluate(m),
    );
    expect(ev.slice(0, 150).filter((e) => e.verdict === 'anomalous')).toHaveLength(0);
    expect(firstAnomalous(ev)).toBe(150);
  });
  it('does not judge a thin minute alone: six 30 s timeouts among 25 attempts are not a spike', () => {
    const d = createLevelDetector(pack);
    const ev = latencyMinutes(25, (i) => (i === 150 ? Array.from({ length: 6 }, () => 30_000) : [])).map(
      (m) => d.evaluate(m),
    );
    expect(firstAnomalous(ev)).toBe(-1);
  });
});
