/**
 * Alertmanager-style label matchers: `name="value"`, `name!="value"`, `name=~"regex"`,
 * `name!~"regex"` (regexes are anchored, as in Alertmanager). Quotes are optional.
 */
export interface Matcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

const MATCHER_RE = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|(.*?))\s*$/;

/** Parses one matcher; throws a RangeError naming the problem. */
export function parseMatcher(s: string): Matcher {
  const m = MATCHER_RE.exec(s);
  if (!m)
    throw new RangeError(
      `invalid matcher "${s}" (expected name="value", name!="value", name=~"re" or name!~"re")`,
    );
  // A quote in an unquoted value is a quote left open or closed twice (`severity="page`,
  // `severity=page"`): read as part of the value, the matcher would silently never match.
  if (m[4]?.includes('"'))
    throw new RangeError(`invalid matcher "${s}": unbalanced quote (write name="value")`);
  const op = m[2] as Matcher['op'];
  const value = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : (m[4] ?? '');
  if (op === '=~' || op === '!~') {
    try {
      new RegExp(`^(?:${value})$`);
    } catch (e) {
      throw new RangeError(`invalid regex in matcher "${s}": ${(e as Error).message}`);
    }
  }
  return { name: m[1] ?? '', op, value };
}

const cache = new Map<string, RegExp>();
function re(v: string): RegExp {
  let r = cache.get(v);
  if (!r) {
    r = new RegExp(`^(?:${v})$`);
    if (cache.size > 1000) cache.clear();
    cache.set(v, r);
  }
  return r;
}

/** True when the label set satisfies the matcher (a missing label is the empty string). */
export function matches(m: Matcher, labels: Readonly<Record<string, string>>): boolean {
  const v = labels[m.name] ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return re(m.value).test(v);
    case '!~':
      return !re(m.value).test(v);
  }
}

/** True when every matcher matches. */
export function matchesAll(ms: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean {
  return ms.every((m) => matches(m, labels));
}

export function formatMatcher(m: Matcher): string {
  return `${m.name}${m.op}${JSON.stringify(m.value)}`;
}
