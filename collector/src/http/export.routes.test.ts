// Guards CSV cells of exports: RFC 4180 quoting and no spreadsheet formula injection.
import { expect, it } from 'vitest';
import { csvCell } from './export.routes.js';

it('quotes separators and defuses formulas', () => {
  expect(csvCell(null)).toBe('');
  expect(csvCell(42)).toBe('42');
  expect(csvCell(-5)).toBe('-5'); // numbers stay numbers
  expect(csvCell('plain')).toBe('plain');
  expect(csvCell('a,b')).toBe('"a,b"');
  expect(csvCell('say "hi"')).toBe('"say ""hi"""');
  expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
  expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
  expect(csvCell('+1')).toBe("'+1");
  expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
});
