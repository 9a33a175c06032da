/**
 * Finds where a JSON text stops being valid, for error messages that name the position without
 * echoing the input (V8's messages quote the text, which may hold card data). Only called after
 * `JSON.parse` failed, so speed does not matter.
 */
export function jsonErrorPosition(text: string): {
  position: number;
  line: number;
  column: number;
  expected: string;
} {
  let i = 0;
  const fail = (expected: string): never => {
    throw { position: i, expected };
  };
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r'))
      i++;
  };
  const lit = (w: string) => {
    if (text.startsWith(w, i)) i += w.length;
    else fail(`"${w}"`);
  };
  const str = () => {
    if (text[i] !== '"') fail('a string');
    i++;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return;
      }
      if (c < 32) fail('no control characters in a string');
      if (c === 92) {
        i++;
        const e = text[i];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('4 hex digits after \\u');
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else fail('a valid escape');
      } else i++;
    }
    fail('a closing quote');
  };
  const num = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail('a value');
    i += m![0].length;
  };
  const value = (depth: number): void => {
    if (depth > 512) fail('less nesting');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        str();
        ws();
        if (text[i] !== ':') fail('":"');
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail('"," or "}"');
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail('"," or "]"');
      }
    } else if (c === '"') str();
    else if (c === 't') lit('true');
    else if (c === 'f') lit('false');
    else if (c === 'n') lit('null');
    else num();
  };
  let result = { position: text.length, expected: 'end of input' };
  try {
    value(0);
    ws();
    if (i < text.length) fail('end of input');
  } catch (e) {
    if (e && typeof e === 'object' && 'position' in e) result = e as typeof result;
    else throw e;
  }
  const before = text.slice(0, result.position);
  const line = (before.match(/\n/g)?.length ?? 0) + 1;
  const column = result.position - (before.lastIndexOf('\n') + 1) + 1;
  return { ...result, line, column };
}
