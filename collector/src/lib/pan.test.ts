// Guards PAN detection: every common formatting of a Luhn-valid card number is masked, nothing else is.
import { describe, expect, it } from 'vitest';
import { cutText, dropSplitToken, luhnValid, maskPans } from './pan.js';

describe('luhnValid', () => {
  it('accepts test card numbers and rejects altered ones', () => {
    for (const pan of [
      '4111111111111111',
      '5555555555554444',
      '378282246310005',
      '3530111333300000',
      '6221260000000000',
      '4000056655665556',
    ])
      expect(luhnValid(pan)).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
  });
});

describe('maskPans', () => {
  it.each([
    ['4111111111111111', '411111…1111'],
    ['4111 1111 1111 1111', '411111…1111'],
    ['4111-1111-1111-1111', '411111…1111'],
    ['card 4111111111111111 declined', 'card 411111…1111 declined'],
    ['pan=378282246310005;', 'pan=378282…0005;'],
    ['x5555555555554444y', 'x555555…4444y'],
    ['3530 1113 3330 0000 exp 12/29', '353011…0000 exp 12/29'],
    ['4111111111111111 5', '411111…1111 5'],
    // A security code written right after the card number is never kept (3 digits, Amex 4).
    ['card 4111 1111 1111 1111 123 exp 12/28', 'card 411111…1111 [redacted] exp 12/28'],
    // … also when more digit groups follow in the same run (its expiry date).
    ['card 4111 1111 1111 1111 123 12/28', 'card 411111…1111 [redacted] 12/28'],
    ['4111111111111111 123 1228 ok', '411111…1111 [redacted] 1228 ok'],
    ['card 4111 1111 1111 1111 129.99 EUR', 'card 411111…1111 129.99 EUR'],
    ['4111-1111-1111-1111 737', '411111…1111 [redacted]'],
    ['4111111111111111/123', '411111…1111/[redacted]'],
    ['amex 3782 822463 10005 1234', 'amex 378282…0005 [redacted]'],
    // 4-4-4-4-3 passing Luhn whose first 16 pass too: a card and its code, not a 19-digit card.
    ['4111 1111 1111 1111 128', '411111…1111 [redacted]'],
    ['4111111111111111.123', '411111…1111.123'],
    ['4111111111111111 1999 USD', '411111…1111 1999 USD'],
    ['1234 4111 1111 1111 1111', '1234 411111…1111'],
    ['6221260000000000019', '622126…0019'],
    // Indonesia's GPN cards (IIN 1946; 16, 18 or 19 digits) start with 1, unlike epoch values.
    ['gpn 1946 6872 3600 0997', 'gpn 194668…0997'],
    ['1946593727173863204', '194659…3204'],
    // Grouped as copied from a web page or PDF, typed with two spaces, or URL/form-encoded.
    ['4111\u00a01111\u00a01111\u00a01111', '411111…1111'],
    ['4111\u202f1111\u202f1111\u202f1111', '411111…1111'],
    ['4111  1111  1111  1111', '411111…1111'],
    ['4111\t1111\t1111\t1111', '411111…1111'],
    ['/pay?card=4111%201111%201111%201111&x=1', '/pay?card=411111…1111&x=1'],
    ['/search?q=card%204111%201111%201111%201111%20123', '/search?q=card%20411111…1111%20[redacted]'],
    ['/search?q=card%204111111111111111', '/search?q=card%20411111…1111'],
    ['card=4111+1111+1111+1111', 'card=411111…1111'],
    // Grouped by dots, slashes or underscores (a reference field, a path, an identifier).
    ['ref 4111.1111.1111.1111 ok', 'ref 411111…1111 ok'],
    ['/cards/4111/1111/1111/1111/verify', '/cards/411111…1111/verify'],
    ['pan_4111_1111_1111_1111', 'pan_411111…1111'],
    ['amex 3782.822463.10005', 'amex 378282…0005'],
    ['4111111111111111.00', '411111…1111.00'],
    // Blanks mixed: a stray double space as typed, no-break spaces and a tab as copied (one or two
    // blanks of any kind are one separator; 4-4-4-4 is how cards are printed, no numeric column's widths).
    ['card 4111 1111 1111  1111 please', 'card 411111…1111 please'],
    ['5555  5555 5555 4444', '555555…4444'],
    ['4111\u00a01111 1111\u00a01111', '411111…1111'],
    ['4111\t1111 1111 1111', '411111…1111'],
    // Typed with a CJK input method in full-width mode (the digits are U+FF10–U+FF19).
    ['卡号４１１１１１１１１１１１１１１１，谢谢', '卡号411111…1111，谢谢'],
    ['カード ４１１１ １１１１ １１１１ １１１１', 'カード 411111…1111'],
    // Full-width mode types the ideographic space U+3000 and the full-width hyphen U+FF0D too.
    ['カード４１１１\u3000１１１１\u3000１１１１\u3000１１１１です', 'カード411111…1111です'],
    ['卡号４１１１－１１１１－１１１１－１１１１', '卡号411111…1111'],
    ['amex ３７８２\u3000８２２４６３\u3000１０００５', 'amex 378282…0005'],
    [
      '金额１２３４５６７８元，卡号４１１１１１１１１１１１１１１１',
      '金额１２３４５６７８元，卡号411111…1111',
    ],
    // Soft separators mixed in one number as people type and paste it: a dash and a blank,
    // spaced dashes, the number wrapped over lines.
    ['4111-1111-1111 1111', '411111…1111'],
    ['card 4111 - 1111 - 1111 - 1111 declined', 'card 411111…1111 declined'],
    ['4111\n1111\n1111\n1111', '411111…1111'],
    ['card 4111 1111\r\n1111 1111 ok', 'card 411111…1111 ok'],
    ['5555 5555 -\n5555 4444', '555555…4444'],
    // Two groups no brand prints, when the digits start like a card number of 16 digits.
    ['card 41111111 11111111 declined', 'card 411111…1111 declined'],
    ['411111 1111111111', '411111…1111'],
    ['5555-555555554444', '555555…4444'],
    // Glued to other digits: zero padding; the security code, the expiry or both right after it.
    ['pan=0000004111111111111111', 'pan=000000411111…1111'],
    ['0004111111111111111', '000411111…1111'],
    ['4111111111111111123', '411111…1111[redacted]'],
    ['data 41111111111111111228 end', 'data 411111…1111[redacted] end'],
    ['41111111111111111228123', '411111…1111[redacted]'],
    ['3782822463100051234', '378282…0005[redacted]'],
    ['4111111111111111122028', '411111…1111[redacted]'],
    ['4111111111111111202812', '411111…1111[redacted]'],
    // A 4-digit group before a card number that joins it into another Luhn-valid number: the
    // reading that starts like a card wins; when both do, both are masked as one (no group left).
    ['2028 4111 1111 1111 1111', '2028 411111…1111'],
    ['ref 9007 4111 1111 1111 1111', 'ref 9007 411111…1111'],
    ['4008 4111 1111 1111 1111', '400841…1111'],
    ['4111 1111 1111 1111 2028', '411111…1111 2028'],
  ])('masks %s', (input, expected) => {
    expect(maskPans(input)).toBe(expected);
  });

  it.each([
    'order 20261125-000123',
    '4111111111111112', // fails Luhn
    '12345678901', // too short
    '123456789012345678901234', // a 24-digit run is not a PAN
    'amount 1999 USD',
    '１２月２５日 ４１１１１１１１１１１１１１１２', // full-width, but not a card number: kept as written
    // Numeric columns whose joined digits pass Luhn (about one join in ten): a card number is
    // grouped by one separator, used throughout, in card-like groups (4-4-4-4, 4-6-5, …).
    '20261126\t12345\t8', // tab-separated 8-5-1
    'col  123  4567890  12345671', // 3-7-8
    'sum=1000+25001+2340', // 4-5-4
    '4111.1111-1111.1111', // dots and a dash
    // Two groups of another length, or a column (tab, line break), or not starting like a card.
    '20261126 12345678',
    '54835347\t33196029',
    '54835347\n33196029',
    // No card number of 16–19 digits starts with 1 (UATP's have 15): epoch milliseconds,
    // microseconds and nanoseconds, 64-bit ids, all Luhn-valid here.
    'ts=1764182420000',
    'ts_us=1764182420123002',
    'ts_ns=1764182420123456006',
    // Nor with 20 (dates) or 0 (numbers dialled with 00), Luhn-valid here too.
    'order 20261126000102',
    '20261126123045101',
    'tel 00491511234503',
    // Glued digits that fit no card number + code / expiry, or a card not starting like one.
    '41111111111111111',
    '41111111111111111399',
    '4111111111111111132028', // 13 is no month
    '１２３４－５６７８', // full-width, too short: kept as written
    '1.234.567.890.123.452', // thousands separators
    '1_000_250_012_340', // a numeric literal
  ])('leaves %s alone', (s) => {
    expect(maskPans(s)).toBe(s);
  });

  it('is idempotent', () => {
    const once = maskPans('a 4111111111111111 b 5555-5555-5555-4444');
    expect(maskPans(once)).toBe(once);
    expect(once).not.toMatch(/\d{12}/);
  });
});

describe('cutText', () => {
  const pan = '4128620666820083';
  it('masks card numbers before cutting, so a cut never leaves a raw fragment', () => {
    // 497 + 16 = 513 characters: a plain slice(0, 512) kept 15 of the 16 digits, unmasked.
    const s = 'x'.repeat(497) + pan;
    expect(cutText(s, 512)).toBe('x'.repeat(497) + '412862…0083');
  });
  it('drops a digit run or an e-mail-like token that the cut splits', () => {
    const spaced = '4128 6206 6682 0083';
    expect(cutText(`card 1234567890123456789012 ${pan}`, 20)).toBe('card ');
    expect(cutText('declined for carol@example.com today', 22)).toBe('declined for ');
    expect(dropSplitToken('ref 4128 6206 6682 00', '8')).toBe('ref ');
    // Cut just before a separator: the next group may follow (12 digits of a grouped PAN).
    expect(dropSplitToken(`ref ${spaced.slice(0, 14)}`, ' ')).toBe('ref ');
    expect(dropSplitToken(`ref ${spaced.slice(0, 15)}`, '0')).toBe('ref ');
    expect(dropSplitToken('ref 4128\u00a06206\u00a06682', '\u00a0')).toBe('ref ');
    expect(dropSplitToken('card=4128%206206%206682%2', '0')).toBe('card=');
    expect(dropSplitToken('ref 4128.6206.6682.00', '8')).toBe('ref ');
    expect(dropSplitToken('ref 4128/6206/6682', '/')).toBe('ref ');
    expect(dropSplitToken('ref 4128_6206_6682_', '0')).toBe('ref ');
    // Soft separators mixed, as the masker reads them (a dash between blanks, a line break).
    expect(dropSplitToken('ref 4128 - 6206 - 6682 -', ' ')).toBe('ref ');
    expect(dropSplitToken('ref 4128-6206 6682', '\n')).toBe('ref ');
    expect(dropSplitToken('ref 4128 - \r\n6206 - \r\n6682', ' ')).toBe('ref '); // ' - ' then a CRLF
    // Six digits at most (a BIN may be shown) are kept.
    expect(dropSplitToken('ref 412862', '0')).toBe('ref 412862');
  });
  it('drops the start of an IP address that the cut splits (the mask step hashes whole addresses only)', () => {
    // 'client 203.0.11' kept 3 of 4 octets raw: five digits, under the digit-run rule's six.
    expect(cutText('refused for client 203.0.113.77 (blocked)', 26)).toBe('refused for client ');
    expect(cutText('refused (client 203.0.113.77) blocked', 28)).toBe('refused (client 203.0.113.77');
    expect(dropSplitToken('from 203.0.', '1')).toBe('from ');
    expect(dropSplitToken('from 203.0.113', '.')).toBe('from ');
    // IPv6: seven groups and a half are no address, and a shorter start may be another one.
    expect(cutText('peer 2001:db8:85a3:1234:5678:9abc:def0:1 reset', 32)).toBe('peer ');
    expect(dropSplitToken('peer 2001:db8::', '1')).toBe('peer ');
    expect(dropSplitToken('peer ::ffff:203.0.1', '1')).toBe('peer ');
    // Not continued: kept whole (masked as a whole address later).
    expect(dropSplitToken('peer 2001:db8::1', ' ')).toBe('peer 2001:db8::1');
    expect(dropSplitToken('from 203.0.113.77', ')')).toBe('from 203.0.113.77');
  });
  it('reads the end of a long cut line in linear time (tailed lines are cut at up to 1 MiB)', () => {
    // End-anchored patterns were tried from every start: 64 KiB of '1 1 1 …x' took 6 s, of
    // '1:1:1:…x' 21 s, of hex digits 4 s.
    const heads = ['1 '.repeat(32768) + 'x', '1:'.repeat(32768) + 'x', 'a'.repeat(65536)];
    const started = performance.now();
    for (const head of heads) expect(dropSplitToken(head, '1')).toBe(head);
    expect(dropSplitToken('1 '.repeat(32768), '1')).toBe('');
    expect(performance.now() - started).toBeLessThan(1000);
  });
  it('keeps what the cut does not split', () => {
    expect(cutText('declined by issuer, retry later', 18)).toBe('declined by issuer');
    expect(cutText('order 12345 declined', 11)).toBe('order 12345');
    expect(cutText('abcdef', 3)).toBe('abc');
    expect(cutText('short', 512)).toBe('short');
  });
});
