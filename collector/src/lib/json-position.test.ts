// Guards malformed-JSON reporting: the position is right and no input text is echoed.
import { describe, expect, it } from 'vitest';
import { jsonErrorPosition } from './json-position.js';

describe('jsonErrorPosition', () => {
  it.each([
    ['{"a":}', 5, 'a value'],
    ['{"a":1,}', 7, 'a string'],
    ['[1,2', 4, '"," or "]"'],
    ['{"a":1} x', 8, 'end of input'],
    ['{"a":"b\u0001"}', 7, 'no control characters in a string'],
    ['', 0, 'a value'],
  ])('%j fails at %i', (text, position, expected) => {
    const p = jsonErrorPosition(text);
    expect(p.position).toBe(position);
    expect(p.expected).toBe(expected);
    expect(() => JSON.parse(text)).toThrow();
  });
  it('reports line and column', () => {
    expect(jsonErrorPosition('{\n  "a": tru\n}')).toMatchObject({ line: 2, column: 8 });
  });
});
