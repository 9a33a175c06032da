// Guards the read API's query schemas: range bounds that are not real instants are refused.
import { describe, expect, it } from 'vitest';
import { QueryTimeSchema } from './api.js';

describe('QueryTimeSchema', () => {
  it('reads RFC 3339 with a zone and epoch milliseconds', () => {
    expect(QueryTimeSchema.parse('2026-11-25T18:00:00+08:00')).toBe(Date.UTC(2026, 10, 25, 10));
    expect(QueryTimeSchema.parse('1795716576155')).toBe(1795716576155);
  });
  it('refuses a date that does not exist (2026-02-30 is not 2 March)', () => {
    expect(QueryTimeSchema.safeParse('2026-02-30T00:00:00Z').success).toBe(false);
    expect(QueryTimeSchema.safeParse('2026-11-26T24:00:00Z').success).toBe(false);
  });
});
