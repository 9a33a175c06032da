// Guards the one ClickHouse value-binding helper: every awkward string and number becomes a safe literal, and identifiers are never free text.
import { describe, expect, it } from 'vitest';
import { AWKWARD_STRINGS } from '../contract/events.js';
import { ident, isIdentifier, list, literal, quoteString, sql, valueSet } from './sql.js';

/** Undoes ClickHouse's string-literal escaping (the server-side rules), for checking our output. */
function unquote(lit: string): string {
  expect(lit.startsWith("'") && lit.endsWith("'")).toBe(true);
  const body = lit.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === "'") throw new Error(`unescaped quote at ${i} in ${lit}`);
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = body[++i];
    const simple: Record<string, string> = {
      '\\': '\\',
      "'": "'",
      '0': '\0',
      b: '\b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
    };
    if (n !== undefined && n in simple) out += simple[n];
    else if (n === 'x') {
      out += String.fromCharCode(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else throw new Error(`unknown escape \\${n}`);
  }
  return out;
}

describe('literal()', () => {
  it('round-trips quotes, backslashes, NUL, control characters, unicode and emoji', () => {
    const samples = [
      ...AWKWARD_STRINGS,
      '',
      "'",
      '\\',
      "\\'",
      "'; DROP TABLE x; --",
      '\x01\x1f\x7f',
      '日本語 ñ 👩‍💻',
    ];
    for (const s of samples) {
      const lit = literal(s);
      expect(unquote(lit)).toBe(s);
      // No raw control character or unescaped quote survives into the statement text.
      expect(lit.slice(1, -1)).not.toMatch(/(^|[^\\])'/);
      // eslint-disable-next-line no-control-regex
      expect(lit).not.toMatch(/[\x00-\x1f\x7f]/);
    }
  });

  it('handles very long strings in linear time and keeps them intact', () => {
    const long = "a'b\\c\0".repeat(200_000);
    const t0 = performance.now();
    const lit = literal(long);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(unquote(lit)).toBe(long);
  });

  it('replaces lone surrogates, which have no UTF-8 form', () => {
    expect(quoteString('a\uD800b')).toBe("'a\uFFFDb'");
    expect(quoteString('💳')).toBe("'💳'");
  });

  it('binds numbers exactly and refuses non-finite or unsafe ones', () => {
    expect(literal(0)).toBe('0');
    expect(literal(-42)).toBe('-42');
    expect(literal(1767571200000)).toBe('1767571200000');
    expect(literal(1.5)).toBe('1.5');
    expect(literal(9007199254740993n)).toBe('9007199254740993');
    expect(() => literal(Number.NaN)).toThrow(RangeError);
    expect(() => literal(Infinity)).toThrow(RangeError);
    expect(() => literal(2 ** 60)).toThrow(RangeError);
  });

  it('binds null, booleans and arrays', () => {
    expect(literal(null)).toBe('NULL');
    expect(literal(true)).toBe('1');
    expect(literal(['a', "b'", 3, null])).toBe("['a', 'b\\'', 3, NULL]");
  });
});

describe('sql tag, ident, list', () => {
  it('binds every interpolated value and inserts only fragments as SQL', () => {
    const evil = "x' OR 1=1 --";
    const q = sql`SELECT * FROM ${ident('payment_events')} WHERE merchant_id = ${evil} AND ts >= ${5} AND provider IN ${list(['stripe', evil])}`;
    expect(q.text).toBe(
      "SELECT * FROM `payment_events` WHERE merchant_id = 'x\\' OR 1=1 --' AND ts >= 5 AND provider IN ('stripe', 'x\\' OR 1=1 --')",
    );
  });

  it('accepts only plain identifiers', () => {
    expect(isIdentifier('paywatch_2')).toBe(true);
    for (const bad of ['', '1abc', 'a-b', 'a b', 'a`b', 'db.table', "x'"]) {
      expect(isIdentifier(bad)).toBe(false);
      expect(() => ident(bad)).toThrow(RangeError);
    }
  });

  it('refuses an empty IN list', () => {
    expect(() => list([])).toThrow(RangeError);
  });

  it('binds a value set as one array literal of the same literals as list, and refuses an empty one', () => {
    const evil = "x' OR 1=1 --";
    expect(valueSet(['a', evil]).text).toBe("(SELECT arrayJoin(['a', 'x\\' OR 1=1 --']))");
    expect(valueSet([...AWKWARD_STRINGS]).text).toBe(
      `(SELECT arrayJoin([${list([...AWKWARD_STRINGS]).text.slice(1, -1)}]))`,
    );
    expect(() => valueSet([])).toThrow(RangeError);
  });
});
