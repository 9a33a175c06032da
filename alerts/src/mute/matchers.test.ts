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
    ])
      expect(() => parseMatcher(`alertname=~"${re}"`), re).not.toThrow();
    expect(matches(parseMatcher('provider=~"adyen|stripe"'), { provider: 'stripe' })).toBe(true);
  });
});
