import { expect } from 'vitest';

/** Luhn check for a digit string. */
export function luhn(d: string): boolean {
  let sum = 0;
  for (let i = 0; i < d.length; i++) {
    let x = Number(d[d.length - 1 - i]);
    if (i % 2 === 1) {
      x *= 2;
      if (x > 9) x -= 9;
    }
    sum += x;
  }
  return sum % 10 === 0;
}

/** Every 13–19 digit run (spaces/dashes allowed between digits) that passes Luhn. */
export function findPans(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\d[ -]?){12,18}\d/g)) {
    const d = m[0].replace(/[ -]/g, '');
    if (d.length >= 13 && d.length <= 19 && luhn(d)) out.push(d);
  }
  return out;
}

/**
 * The shared guard for every outgoing notification (STYLE.md §10): no configured secret and no
 * full card number may appear in the body, the headers or the query string of any request.
 * The destination itself (a webhook URL path) is exempt: it is where the request goes.
 */
export function assertNoLeaks(
  requests: { url: string; headers: Record<string, unknown>; body: string }[],
  secrets: readonly string[],
): void {
  expect(requests.length, 'no request was captured: the leak check would be vacuous').toBeGreaterThan(0);
  for (const r of requests) {
    const query = r.url.includes('?') ? decodeURIComponent(r.url.slice(r.url.indexOf('?'))) : '';
    const headers = JSON.stringify(r.headers);
    for (const s of secrets) {
      expect(s.length).toBeGreaterThan(0);
      for (const [where, text] of [
        ['body', r.body],
        ['headers', headers],
        ['query', query],
      ] as const) {
        expect(text.includes(s), `secret found in request ${where}`).toBe(false);
      }
    }
    for (const text of [r.body, headers, query])
      expect(findPans(text), 'a full card number left paywatch').toEqual([]);
  }
}
