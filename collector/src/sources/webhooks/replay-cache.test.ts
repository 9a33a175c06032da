// Guards the replay cache: entries expire after the window and memory stays bounded.
import { describe, expect, it } from 'vitest';
import { createReplayCache, REPLAY_WINDOW_MS } from './replay-cache.js';

describe('replay cache', () => {
  it('remembers a key for 72 h, then forgets it', () => {
    const c = createReplayCache();
    c.add('stripe:evt_1', 0);
    expect(c.has('stripe:evt_1', REPLAY_WINDOW_MS - 1)).toBe(true);
    expect(c.has('stripe:evt_1', REPLAY_WINDOW_MS)).toBe(false);
    expect(c.has('stripe:evt_2', 0)).toBe(false);
  });

  it('evicts the oldest entries beyond maxEntries and expired ones on insert', () => {
    const c = createReplayCache({ maxEntries: 3, ttlMs: 1000 });
    for (let i = 0; i < 5; i++) c.add(`k${i}`, i);
    expect(c.size).toBe(3);
    expect(c.has('k0', 5)).toBe(false);
    expect(c.has('k4', 5)).toBe(true);
    c.add('late', 2000);
    expect(c.size).toBe(1);
  });
});
