import { BadRequestError } from '../lib/errors.js';

/** Position after the last item of a transactions page: ordering is (ts desc, event_id desc). */
export interface CursorPosition {
  ts: number;
  event_id: string;
}

/** Encodes a page position as an opaque URL-safe string. Shared by every backend. */
export function encodeCursor(p: CursorPosition): string {
  return Buffer.from(JSON.stringify([p.ts, p.event_id]), 'utf8').toString('base64url');
}

/** Decodes a cursor; a malformed one is a 400 naming the `cursor` parameter. */
export function decodeCursor(cursor: string): CursorPosition {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && Number.isInteger(v[0]) && typeof v[1] === 'string') {
      return { ts: v[0] as number, event_id: v[1] };
    }
  } catch {
    // fall through
  }
  throw new BadRequestError('cursor is not one this API issued', 'cursor', 'invalid_cursor');
}
