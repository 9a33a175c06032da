// Guards plural wording in messages with counts: English picks "1 attempt" / "2 attempts" by Intl.PluralRules (it printed "1 attempts"), also for a value already formatted ("1,234", "<1"), while Chinese (one form) and plain placeholders are unchanged.
import { describe, expect, it } from 'vitest';
import { formatMessage } from './plural.js';

const ATTEMPTS = '{n, plural, one {# attempt} other {# attempts}}';

describe('formatMessage', () => {
  it('picks the English form by the count', () => {
    expect(formatMessage('en', ATTEMPTS, { n: 1 })).toBe('1 attempt');
    expect(formatMessage('en', ATTEMPTS, { n: 0 })).toBe('0 attempts');
    expect(formatMessage('en', ATTEMPTS, { n: 2 })).toBe('2 attempts');
    expect(formatMessage('en', ATTEMPTS, { n: 1.5 })).toBe('1.5 attempts');
  });

  it('reads a formatted value for its count and prints it as given', () => {
    expect(formatMessage('en', ATTEMPTS, { n: '1,234' })).toBe('1,234 attempts');
    expect(formatMessage('en', ATTEMPTS, { n: '1' })).toBe('1 attempt');
    expect(
      formatMessage('en', '{n, plural, one {# more failure} other {# more failures}} than …', { n: '<1' }),
    ).toBe('<1 more failure than …');
    expect(formatMessage('en', ATTEMPTS, { n: 'many' })).toBe('many attempts');
  });

  it('takes an exact branch first, and fills other placeholders', () => {
    const m = '{n, plural, =0 {no alerts} one {# alert} other {# alerts}} for {who}';
    expect(formatMessage('en', m, { n: 0, who: 'li' })).toBe('no alerts for li');
    expect(formatMessage('en', m, { n: 1, who: 'li' })).toBe('1 alert for li');
  });

  it('leaves Chinese (one form) and a missing value as written', () => {
    expect(formatMessage('zh-CN', '{n} 次尝试', { n: 1 })).toBe('1 次尝试');
    expect(formatMessage('zh-CN', '{n, plural, other {# 次尝试}}', { n: 1 })).toBe('1 次尝试');
    expect(formatMessage('en', ATTEMPTS, {})).toBe(ATTEMPTS);
    expect(formatMessage('en', 'Attempt {n}', { n: 1 })).toBe('Attempt 1');
  });
});
