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
    if (repeatsAmbiguousGroup(value))
      throw new RangeError(
        `regex in matcher "${s}" can backtrack exponentially: a repeated group repeats or alternates inside, as in (a+)+ or (a|b)* (write it with one quantifier, e.g. a+ or [ab]*)`,
      );
    const chained = chainedQuantifiers(value);
    if (chained > MAX_CHAINED_QUANTIFIERS)
      throw new RangeError(
        `regex in matcher "${s}" chains ${chained} quantifiers (at most ${MAX_CHAINED_QUANTIFIERS}, as in .*foo.*bar.*): each one more multiplies the backtracking on a value that does not match`,
      );
  }
  return { name: m[1] ?? '', op, value };
}

/**
 * Whether a regex matcher is one `parseMatcher` refuses for its backtracking (exponential, or more
 * than `MAX_CHAINED_QUANTIFIERS` in a row): for what was accepted before it did (silences
 * persisted by an earlier release).
 */
export function backtracksBadly(m: Matcher): boolean {
  return (
    (m.op === '=~' || m.op === '!~') &&
    (repeatsAmbiguousGroup(m.value) || chainedQuantifiers(m.value) > MAX_CHAINED_QUANTIFIERS)
  );
}

/**
 * Whether a regex repeats (`*`, `+`, `{n,}`) a group that itself holds a quantifier or an
 * alternation — the shape whose backtracking is exponential in JavaScript's engine (`(\w+)+x`
 * took a second on a 24-character alert name, on the event loop ingest shares). Alertmanager
 * runs RE2, linear in the input; this refuses the shapes that are not here. Escapes and
 * character classes are skipped: `[(+)]+` and `\(a+\)+` are fine.
 */
function repeatsAmbiguousGroup(re: string): boolean {
  const open: boolean[] = []; // per open group: it holds a quantifier or an alternation
  let lastGroupAmbiguous = false; // the item just closed was a group that holds one
  for (let i = 0; i < re.length; i++) {
    const c = re[i];
    let groupClosed = false;
    if (c === '\\') i++;
    else if (c === '[') {
      for (i++; i < re.length && re[i] !== ']'; i++) if (re[i] === '\\') i++;
    } else if (c === '(') open.push(false);
    else if (c === ')') {
      lastGroupAmbiguous = open.pop() ?? false;
      groupClosed = true;
      // What a group holds, its enclosing group holds too.
      if (lastGroupAmbiguous && open.length > 0) open[open.length - 1] = true;
    } else if (c === '|') {
      if (open.length > 0) open[open.length - 1] = true;
    } else if (c === '*' || c === '+' || c === '{') {
      const repeats = c !== '{' || /^\{\d*,\d*\}|^\{\d*[2-9]\d*\}|^\{\d{2,}\}/.test(re.slice(i));
      if (repeats && lastGroupAmbiguous) return true;
      if (repeats && open.length > 0) open[open.length - 1] = true;
    }
    if (!groupClosed && c !== '?') lastGroupAmbiguous = false;
  }
  return false;
}

/** `.*` ×4 took 21 ms on a 128-character value, ×3 0.5 ms (×10: 1.2 s on 24 characters). */
const MAX_CHAINED_QUANTIFIERS = 3;

/**
 * The most variable quantifiers (`*`, `+`, `?`, `{n,}`, `{n,m}`) one alternative of a regex passes
 * in sequence (`.*a.*b.*` 3; `a.*|b.*` 1). Each is a place to split the value, so a failing
 * test backtracks polynomially in the value's length with that many as the degree — not caught
 * by the repeated-group check (`.*.*.*.*.*.*.*.*.*.*x`: 1.2 s on a 24-character label).
 */
function chainedQuantifiers(re: string): number {
  const frames = [{ cur: 0, max: 0 }]; // per open group (and the whole regex): this alternative, the most
  let prev = '';
  for (let i = 0; i < re.length; i++) {
    const c = re[i] ?? '';
    const f = frames[frames.length - 1] ?? { cur: 0, max: 0 };
    let item = c;
    if (c === '\\') {
      i++;
      item = 'a';
    } else if (c === '[') {
      for (i++; i < re.length && re[i] !== ']'; i++) if (re[i] === '\\') i++;
      item = 'a';
    } else if (c === '(') frames.push({ cur: 0, max: 0 });
    else if (c === ')' && frames.length > 1) {
      frames.pop();
      const inner = frames[frames.length - 1];
      if (inner) inner.cur += Math.max(f.max, f.cur);
    } else if (c === '|') {
      f.max = Math.max(f.max, f.cur);
      f.cur = 0;
    } else if (c === '*' || c === '+') f.cur++;
    // `?` after a quantifier is lazy, after `(` a group modifier: no quantifier of its own.
    else if (c === '?' && !['*', '+', '?', '(', ''].includes(prev)) f.cur++;
    else if (c === '{') {
      const q = /^\{\d*,\d*\}/.exec(re.slice(i));
      if (q) {
        f.cur++;
        i += q[0].length - 1;
        item = '*';
      }
    }
    prev = item;
  }
  const top = frames[0] ?? { cur: 0, max: 0 };
  return Math.max(top.max, top.cur);
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
