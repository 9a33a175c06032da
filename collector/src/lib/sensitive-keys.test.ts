// Guards the one list of field names whose values are never stored (card authentication data, credentials).
import { describe, expect, it } from 'vitest';
import { isSensitiveField } from './sensitive-keys.js';

describe('isSensitiveField', () => {
  it('drops card authentication data and credentials whatever their case or separators', () => {
    for (const k of [
      'cvv',
      'CVC2',
      'security-code',
      'Security_Code',
      'cav2',
      'track2',
      'pin_block',
      'apiKey',
      'access_token',
      'Authorization',
      'client_secret',
    ])
      expect(isSensitiveField(k, 'x'), k).toBe(true);
  });
  it('keeps ordinary fields, and a cid that is not 3–4 digits (a correlation id)', () => {
    for (const k of ['amount', 'pinned', 'tracking', 'token_type_hint_x', 'description'])
      expect(isSensitiveField(k, 'x'), k).toBe(false);
    expect(isSensitiveField('cid', 'req-7f3a')).toBe(false);
    expect(isSensitiveField('cid', '1234')).toBe(true);
    expect(isSensitiveField('CID', 737)).toBe(true);
  });
});
