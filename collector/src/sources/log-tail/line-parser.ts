/** A parsed log line: its fields (JSON object or logfmt pairs). */
export type LineFields = Record<string, unknown>;

/** Parses logfmt (`k=v k2="quoted \" value" flag`); undefined when no pair is found. */
export function parseLogfmt(line: string): LineFields | undefined {
  const out: LineFields = {};
  let i = 0;
  const n = line.length;
  let pairs = 0;
  while (i < n) {
    while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
    if (i >= n) break;
    let key = '';
    while (i < n && line[i] !== '=' && line[i] !== ' ' && line[i] !== '\t') key += line[i++];
    if (key === '') {
      i++;
      continue;
    }
    if (line[i] !== '=') {
      out[key] = true;
      pairs++;
      continue;
    }
    i++; // '='
    let value = '';
    if (line[i] === '"') {
      i++;
      while (i < n && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < n) {
          i++;
          value += line[i] === 'n' ? '\n' : line[i];
          i++;
          continue;
        }
        value += line[i++];
      }
      i++; // closing quote
    } else {
      while (i < n && line[i] !== ' ' && line[i] !== '\t') value += line[i++];
    }
    out[key] = value;
    pairs++;
  }
  return pairs > 0 ? out : undefined;
}

/** Parses one line in the given format (`auto`: JSON when it starts with `{`, else logfmt). */
export function parseLine(line: string, format: 'auto' | 'json' | 'logfmt'): LineFields | undefined {
  const t = line.trim();
  if (t === '') return undefined;
  if (format === 'json' || (format === 'auto' && t.startsWith('{'))) {
    try {
      const v: unknown = JSON.parse(t);
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as LineFields) : undefined;
    } catch {
      return format === 'json' ? undefined : parseLogfmt(t);
    }
  }
  return parseLogfmt(t);
}

/** Reads a dotted path (`payment.amount`) from parsed fields. */
export function fieldAt(fields: LineFields, path: string): unknown {
  if (Object.hasOwn(fields, path)) return fields[path];
  let cur: unknown = fields;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
