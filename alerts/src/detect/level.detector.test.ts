// Guards the recent-level detector: a 6× latency spike fires within 2 minutes; normal latency noise does not.
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
});
