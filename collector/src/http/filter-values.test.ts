// Guards that a refused filter value is quoted back without a fragment of a card number (the quote is cut to 40 characters).
import { describe, expect, it } from 'vitest';
import { normalizeFilters } from './filter-values.js';

describe('normalizeFilters refusals', () => {
  it('cuts the quoted value without leaving 12–15 card digits', () => {
    const pan = '4125440422668202';
    // 25 + 16 = 41 characters: a plain slice(0, 40) quoted 15 digits, which no longer pass Luhn.
    let message = '';
    try {
      normalizeFilters({ provider: ['x'.repeat(25) + pan] });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(`unknown value "${'x'.repeat(25)}412544…8202"`);
    expect(message).not.toMatch(/\d{7,}/);
  });
});
