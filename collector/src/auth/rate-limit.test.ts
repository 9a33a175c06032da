// Guards the token bucket: exact burst, refill rate, Retry-After seconds and per-key isolation.
import { expect, it } from 'vitest';
import { createRateLimiter } from './rate-limit.js';

it('allows a burst of perMinute, then refuses with the wait until the next token', () => {
  let t = 0;
  const rl = createRateLimiter(30, () => t); // one token every 2 s
  for (let i = 0; i < 30; i++) expect(rl.take('ip1').ok).toBe(true);
  const refused = rl.take('ip1');
  expect(refused).toEqual({ ok: false, retryAfterS: 2 });
  expect(rl.take('ip2').ok).toBe(true); // another key has its own bucket
  t += 1_000;
  expect(rl.take('ip1')).toEqual({ ok: false, retryAfterS: 1 });
  t += 1_000;
  expect(rl.take('ip1').ok).toBe(true);
  expect(rl.take('ip1').ok).toBe(false);
  t += 60_000;
  let n = 0;
  while (rl.take('ip1').ok) n++;
  expect(n).toBe(30); // refills to the burst, never beyond
});
