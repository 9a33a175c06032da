// Guards ingest body parsing: JSON vs NDJSON, malformed positions, batch limits.
import { describe, expect, it } from 'vitest';
import { parseEventsBody } from './parse-body.js';

const b = (s: string) => Buffer.from(s);

describe('parseEventsBody', () => {
  it('takes one JSON event or an array', () => {
    expect(parseEventsBody(b('{"a":1}'), 'application/json').items).toEqual([{ a: 1 }]);
    expect(parseEventsBody(b('[{"a":1},{"a":2}]'), 'application/json; charset=utf-8').items).toHaveLength(2);
  });
  it('names the position of malformed JSON without echoing it', () => {
    try {
      parseEventsBody(b('{"pan":"4111111111111111",}'), 'application/json');
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toBe(
        'malformed JSON at position 26 (line 1, column 27): expected a string',
      );
      expect((e as { status: number }).status).toBe(400);
    }
  });
  it('rejects one bad NDJSON line and keeps the others', () => {
    const r = parseEventsBody(b('{"a":1}\n{oops\n\n{"a":3}\n'), 'application/x-ndjson');
    expect(r.items).toEqual([{ a: 1 }, undefined, { a: 3 }]);
    expect(r.errors).toEqual([
      { index: 1, path: '', reason: 'malformed JSON on line 2 at column 2: expected a string' },
    ]);
  });
  it('decodes UTF-8 and ASCII bodies alike, and tolerates CRLF, a BOM and blank lines', () => {
    const r = parseEventsBody(
      b('{"a":"Zoë 東京 €"}\r\n\uFEFF{"a":"plain"}\r\n \t\r\n{"a":"x"} \n'),
      'application/x-ndjson',
    );
    expect(r.items).toEqual([{ a: 'Zoë 東京 €' }, { a: 'plain' }, { a: 'x' }]);
    expect(r.errors).toEqual([]);
    expect(parseEventsBody(b('{"a":"ascii only"}'), 'application/json').items).toEqual([{ a: 'ascii only' }]);
    expect(parseEventsBody(b('[{"a":"naïve"}]'), 'application/json').items).toEqual([{ a: 'naïve' }]);
  });
  it('parses large bodies (decoded in pieces) with non-ASCII and malformed lines anywhere', () => {
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      if (i % 997 === 5) lines.push(`{"n":${i},oops`);
      else if (i % 401 === 0) lines.push('');
      else
        lines.push(
          JSON.stringify({ n: i, m: i % 7 === 0 ? `系统超时 ${i} €` : `plain ${'x'.repeat(i % 90)}` }),
        );
    }
    const text = lines.join('\n') + '\n';
    expect(Buffer.byteLength(text)).toBeGreaterThan(150_000);
    const r = parseEventsBody(b(text), 'application/x-ndjson');
    const expected: unknown[] = [];
    const errors: unknown[] = [];
    lines.forEach((l, i) => {
      if (l === '') return;
      if (l.endsWith('oops')) {
        errors.push({
          index: expected.length,
          path: '',
          reason: `malformed JSON on line ${i + 1} at column ${l.length - 3}: expected a string`,
        });
        expected.push(undefined);
      } else expected.push(JSON.parse(l));
    });
    expect(r.items).toEqual(expected);
    expect(r.errors).toEqual(errors);
  });
  it('enforces 10,000 events per request with 413', () => {
    const many = Array.from({ length: 10_001 }, () => '{}').join('\n');
    expect(() => parseEventsBody(b(many), 'application/x-ndjson')).toThrow(/10001 events.*limit is 10000/);
    expect(() => parseEventsBody(b(`[${Array(10_001).fill('{}').join(',')}]`), 'application/json')).toThrow(
      /limit is 10000/,
    );
    expect(
      parseEventsBody(b(Array(10_000).fill('{}').join('\n')), 'application/x-ndjson').items,
    ).toHaveLength(10_000);
  });
  it('refuses other media types with 415', () => {
    expect(() => parseEventsBody(b('a,b'), 'text/csv')).toThrow(expect.objectContaining({ status: 415 }));
  });
  it('refuses bytes that are not UTF-8 instead of storing U+FFFD in their place', () => {
    // "café" from a Latin-1 client: 0xE9 alone is no UTF-8 sequence (it was stored as "caf�").
    const latin1 = Buffer.from('{"merchant_id":"café"}', 'latin1');
    expect(() => parseEventsBody(latin1, 'application/json')).toThrow(
      expect.objectContaining({
        status: 400,
        code: 'invalid_utf8',
        field: 'body',
        message: expect.stringMatching(
          /^the body at byte 19 \(line 1, byte 20 of the line\) is not valid UTF-8/,
        ),
      }),
    );
    const nd = Buffer.concat([b('{"a":1}\n{"a":"caf'), Buffer.from([0xe9]), b('"}\n{"a":"Zoë"}\n')]);
    const r = parseEventsBody(nd, 'application/x-ndjson');
    expect(r.items).toEqual([{ a: 1 }, undefined, { a: 'Zoë' }]);
    expect(r.errors).toEqual([
      { index: 1, path: '', reason: expect.stringMatching(/^line 2 at byte 10 is not valid UTF-8/) },
    ]);
    // Overlong encodings and encoded surrogates are not UTF-8 either.
    for (const bad of [
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xe2, 0x82],
    ])
      expect(() => parseEventsBody(Buffer.from([0x22, ...bad, 0x22]), 'application/json')).toThrow(
        /at byte 1 /,
      );
  });
  it('refuses a declared charset other than UTF-8 with 415 naming it', () => {
    const utf16 = Buffer.from('{"a":1}', 'utf16le');
    expect(() => parseEventsBody(utf16, 'application/json; charset=UTF-16')).toThrow(
      expect.objectContaining({ status: 415, message: expect.stringContaining('charset "utf-16"') }),
    );
    expect(() => parseEventsBody(b('{"a":1}'), 'application/x-ndjson; charset="iso-8859-1"')).toThrow(
      /charset "iso-8859-1" is not supported/,
    );
    expect(parseEventsBody(b('{"a":1}'), 'application/json; charset=UTF-8').items).toEqual([{ a: 1 }]);
    expect(parseEventsBody(b('{"a":1}'), 'application/json;charset=us-ascii').items).toEqual([{ a: 1 }]);
  });
  it('ignores a UTF-8 byte order mark before a JSON body, as NDJSON does', () => {
    expect(parseEventsBody(b('\uFEFF[{"a":1}]'), 'application/json').items).toEqual([{ a: 1 }]);
  });
});
