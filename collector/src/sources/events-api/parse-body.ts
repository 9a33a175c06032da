import { isAscii, isUtf8 } from 'node:buffer';
import { INGEST_LIMITS, type IngestRejection } from '@paywatch/contracts';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../../lib/errors.js';
import { jsonErrorPosition } from '../../lib/json-position.js';

export interface ParsedBody {
  /** Parsed events; `undefined` marks an NDJSON line that was not valid JSON (rejected). */
  items: unknown[];
  /** Per-line errors of NDJSON (index = the line's event index). */
  errors: IngestRejection[];
  /** NDJSON: the 1-based body line of each item (blank lines are skipped by `items`). */
  lines?: number[];
}

/** NDJSON bodies are decoded in pieces of about this many bytes (cut at the next newline). */
const DECODE_PIECE_BYTES = 64 * 1024;

/**
 * Bytes known to be UTF-8 → string; `ascii` is `isAscii(bytes)`, which the caller has already
 * asked (before checking UTF-8). ASCII is also Latin-1, and decoding it as such is a plain copy,
 * while UTF-8 decoding checks every byte (≈1.3 µs per 500-byte event here). Same string either way.
 */
const decode = (bytes: Buffer, ascii: boolean): string =>
  ascii ? bytes.toString('latin1') : bytes.toString('utf8');

/**
 * Offset of the first byte that does not start or continue a well-formed UTF-8 sequence
 * (WHATWG decoder rules: no overlongs, surrogates or code points above U+10FFFF), or -1.
 * Only called once a piece is known to be invalid, to say where.
 */
function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const len = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0 || i + len > bytes.length) return i;
    const b1 = bytes[i + 1]!;
    const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    if (b1 < lo || b1 > hi) return i;
    for (let k = 2; k < len; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += len;
  }
  return -1;
}

/** Charsets read as UTF-8 (RFC 8259 §8.1: JSON exchanged between systems is UTF-8). */
const UTF8_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii']);

/** The `charset` parameter of a Content-Type, lower-cased and unquoted; undefined when absent. */
function charsetOf(contentType: string): string | undefined {
  const m = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType);
  return m?.[1]?.toLowerCase();
}

/** 1-based line and column (in bytes) of a byte offset. */
function byteLineColumn(bytes: Buffer, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = bytes.indexOf(10); i !== -1 && i < offset; i = bytes.indexOf(10, i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

const invalidUtf8 = (what: string) =>
  `${what} is not valid UTF-8 (send UTF-8 text; a Latin-1 or UTF-16 body would be stored altered)`;

const tooMany = (n: number) =>
  new PayloadTooLargeError(
    `${n} events in one request; the limit is ${INGEST_LIMITS.maxEventsPerRequest} (split the batch)`,
  );

/**
 * Parses an ingest body. `application/json`: one event or an array; malformed JSON is a 400
 * naming the position. `application/x-ndjson`: one event per line; a malformed line rejects
 * that event only. More than `maxEventsPerRequest` events → 413.
 */
export function parseEventsBody(body: Buffer, contentType: string | undefined): ParsedBody {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const charset = charsetOf(contentType ?? '');
  if (charset !== undefined && !UTF8_CHARSETS.has(charset))
    throw new UnsupportedMediaTypeError(
      `charset "${charset.slice(0, 40)}" is not supported; send the body as UTF-8 (charset=utf-8 or none)`,
    );
  if (type === 'application/json' || type === '') {
    const ascii = isAscii(body);
    if (!ascii && !isUtf8(body)) {
      const at = firstInvalidUtf8(body);
      const { line, column } = byteLineColumn(body, at);
      throw new BadRequestError(
        invalidUtf8(`the body at byte ${at} (line ${line}, byte ${column} of the line)`),
        'body',
        'invalid_utf8',
      );
    }
    let text = decode(body, ascii);
    // A UTF-8 byte order mark is not JSON whitespace; RFC 8259 lets parsers ignore it.
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.trim() === '')
      throw new BadRequestError('empty body: expected a JSON event or an array of events', 'body');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      const p = jsonErrorPosition(text);
      throw new BadRequestError(
        `malformed JSON at position ${p.position} (line ${p.line}, column ${p.column}): expected ${p.expected}`,
        'body',
        'malformed_json',
      );
    }
    const items = Array.isArray(parsed) ? parsed : [parsed];
    if (items.length > INGEST_LIMITS.maxEventsPerRequest) throw tooMany(items.length);
    if (items.length === 0) throw new BadRequestError('empty array: expected at least one event', 'body');
    return { items, errors: [] };
  }
  if (type === 'application/x-ndjson' || type === 'application/jsonl' || type === 'application/jsonlines') {
    const items: unknown[] = [];
    const errors: IngestRejection[] = [];
    const lines: number[] = [];
    let lineNo = 0;
    // Decoded piece by piece, each cut at a newline (never inside a UTF-8 sequence): the pieces
    // without a non-ASCII byte skip UTF-8 decoding (see `decode`).
    for (let from = 0; from < body.length || from === 0;) {
      let to = from + DECODE_PIECE_BYTES >= body.length ? -1 : body.indexOf(10, from + DECODE_PIECE_BYTES);
      if (to === -1) to = body.length;
      const piece = body.subarray(from, to);
      // A piece with bytes that are not UTF-8 is read line by line: those lines are rejected
      // (decoding would silently turn them into U+FFFD), the others are parsed as usual.
      const ascii = isAscii(piece);
      const valid = ascii || isUtf8(piece);
      const text = valid ? decode(piece, ascii) : piece.toString('latin1');
      from = to + 1;
      for (let start = 0; start <= text.length;) {
        let end = text.indexOf('\n', start);
        if (end === -1) end = text.length;
        lineNo++;
        let raw = text.slice(start, end);
        if (!valid) {
          const bytes = piece.subarray(start, end);
          const at = isUtf8(bytes) ? -1 : firstInvalidUtf8(bytes);
          if (at !== -1) {
            start = end + 1;
            if (items.length >= INGEST_LIMITS.maxEventsPerRequest) throw tooMany(items.length + 1);
            errors.push({
              index: items.length,
              path: '',
              reason: invalidUtf8(`line ${lineNo} at byte ${at + 1}`),
            });
            items.push(undefined);
            lines.push(lineNo);
            continue;
          }
          raw = bytes.toString('utf8');
        }
        start = end + 1;
        if (raw === '') continue;
        // JSON.parse skips JSON whitespace itself: the line is trimmed (a copy) only when the
        // untrimmed text does not parse (other whitespace such as a BOM, an empty line, or an error).
        let value: unknown;
        let parsed = true;
        try {
          value = JSON.parse(raw);
        } catch {
          parsed = false;
        }
        if (parsed) {
          if (items.length >= INGEST_LIMITS.maxEventsPerRequest) throw tooMany(items.length + 1);
          items.push(value);
          lines.push(lineNo);
          continue;
        }
        const line = raw.trim();
        if (line === '') continue;
        if (items.length >= INGEST_LIMITS.maxEventsPerRequest) throw tooMany(items.length + 1);
        try {
          items.push(JSON.parse(line));
          lines.push(lineNo);
        } catch {
          const p = jsonErrorPosition(line);
          errors.push({
            index: items.length,
            path: '',
            reason: `malformed JSON on line ${lineNo} at column ${p.column}: expected ${p.expected}`,
          });
          items.push(undefined);
          lines.push(lineNo);
        }
      }
    }
    if (items.length === 0) throw new BadRequestError('empty body: expected one JSON event per line', 'body');
    return { items, errors, lines };
  }
  throw new UnsupportedMediaTypeError(
    `content type "${type.slice(0, 100)}" is not supported; use application/json or application/x-ndjson`,
  );
}
