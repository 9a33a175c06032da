// Guards matcher parsing: a regex that backtracks exponentially (a repeated group that itself repeats or alternates) is refused, not run on every alert.
import { describe, expect, it } from 'vitest';
import { matches, parseMatcher } from './matchers.js';

describe('parseMatcher', () => {
  it('refuses regexes with a repeated group that repeats or alternates inside', () => {
    // alertname=~"(\w+)+x" took ≈ 1 s per test of a 24-character alert name, on the event loop
    // the collector's ingest shares, for every alert on every evaluation.
    for (const re of ['(\\w+)+x', '(a*)*b', '(a|ab)*c', '((ab)+)+', '(x+){2,}y', '(?:a|b)+'])
      expect(() => parseMatcher(`alertname=~"${re}"`), re).toThrow(/can backtrack exponentially/);
  });
  it('refuses regexes that chain more than three quantifiers', () => {
    // A quantifier per place to split the value: `.*` ten times took 1.2 s on a 24-character label
    // (polynomial, not caught above), and GET /alerts?filter= lets a viewer send one per request.
    for (const re of ['.*.*.*.*x', '.*a.*b.*c.*d', '(.*a)(.*b)(.*c)(.*d)', 'x+y?z*w{1,}', '(a|.*.*.*.*)'])
      expect(() => parseMatcher(`alertname=~"${re}"`), re).toThrow(/chains 4 quantifiers/);
    const t = Date.now();
    expect(() => parseMatcher(`alertname=~"${'.*'.repeat(12)}x"`)).toThrow(/chains 12 quantifiers/);
    expect(Date.now() - t).toBeLessThan(50);
  });
  it('keeps the regexes label matching needs', () => {
    for (const re of [
      'adyen|stripe',
      'slice_.*|country_.*',
      '4[0-9]{5}',
      '(adyen|stripe)?',
      '(ab)+',
      '[(+*|)]+',
      // A quoted value's backslashes are escapes: `\\(` is a literal parenthesis in the regex.
      '\\\\(a+\\\\)+',
      'pay(pal)?-.*',
      '.*foo.*bar.*',
      '(?:a.*|b.*|c.*|d.*|e.*)',
      'a*?b+?c??',
    ])
      expect(() => parseMatcher(`alertname=~"${re}"`), re).not.toThrow();
    expect(matches(parseMatcher('provider=~"adyen|stripe"'), { provider: 'stripe' })).toBe(true);
  });
});
