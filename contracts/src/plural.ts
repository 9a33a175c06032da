// Messages with counts, in the one format the dashboard's catalogue and contracts' shared names use:
// `{n}` substitutes a value, and `{n, plural, one {# attempt} other {# attempts}}` (ICU's plural
// syntax, a subset) picks the wording by the language's plural rules (Intl.PluralRules), so
// English reads "1 attempt" / "2 attempts" where it printed "1 attempts". `#` inside a branch is
// the value as given (already formatted: "1,234"); `=0`-style exact branches come first.

const rules = new Map<string, Intl.PluralRules>();
function pluralRules(locale: string): Intl.PluralRules {
  let r = rules.get(locale);
  if (!r) {
    r = new Intl.PluralRules(locale);
    rules.set(locale, r);
  }
  return r;
}

/**
 * The number a substituted value stands for: a number as is; a formatted one ("1,234", "<1",
 * "12.5") read without its grouping and comparison marks; NaN when it is no number.
 */
function countOf(v: string | number): number {
  if (typeof v === 'number') return v;
  const s = v.replace(/^[<>≈~]\s*/u, '').replace(/[,\s\u00a0\u202f]/gu, '');
  return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : Number.NaN;
}

const PLURAL = /\{(\w+), plural,((?:\s*(?:=\d+|zero|one|two|few|many|other)\s*\{[^{}]*\})+)\s*\}/g;
const BRANCH = /(=\d+|zero|one|two|few|many|other)\s*\{([^{}]*)\}/g;

/**
 * Fills a message: plural blocks by the plural category of their value in `locale` (a BCP 47
 * tag: 'en', 'zh-CN'), then `{name}` placeholders. A placeholder without a value stays as written.
 */
export function formatMessage(locale: string, msg: string, vars?: Record<string, string | number>): string {
  if (!vars) return msg;
  const plural = msg.replace(PLURAL, (whole, name: string, body: string) => {
    if (!(name in vars)) return whole;
    const v = vars[name] as string | number;
    const n = countOf(v);
    const branches = new Map<string, string>();
    for (const m of body.matchAll(BRANCH)) branches.set(m[1] as string, m[2] as string);
    const exact = Number.isFinite(n) ? branches.get(`=${n}`) : undefined;
    const category = Number.isFinite(n) ? pluralRules(locale).select(n) : 'other';
    const text = exact ?? branches.get(category) ?? branches.get('other') ?? '';
    return text.replace(/#/g, String(v));
  });
  return plural.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}
