/**
 * Card number (PAN) detection and masking. A PAN is a run of 12–19 digits that passes the Luhn
 * check, possibly grouped like a card number (4-4-4-4, 4-6-5, 4-4-4-4-3…) by one separator used
 * throughout: a dash, a dot, a slash, an underscore, one or two spaces, a tab, a no-break space
 * as copied from a web page or PDF, or the URL/form encodings of a space, `%20` and `+`. Masked
 * form: first six digits, `…`, last four (PCI DSS 3.4.1 allows at most BIN + last four to be shown).
 */

/** Luhn (mod 10) check over a digit string. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

export const maskedPan = (digits: string): string => `${digits.slice(0, 6)}…${digits.slice(-4)}`;

// What may separate the groups of a card number (one occurrence between two groups).
const SEP = '(?:[ \\t\\u00a0\\u2007\\u202f]{1,2}|[-+./_]|%20)';
// A maximal run of digits joined by separators, not touching other digits.
const DIGIT_RUN = new RegExp(`\\d(?:${SEP}?\\d)*`, 'g');
const HAS_12_DIGITS = new RegExp(`(?:\\d${SEP}?){12}`);
const SPLIT_SEP = new RegExp(`(${SEP})`);

/**
 * Whether groups `from`..`to` of a run (`len(k)`: digits of group k) are grouped like a card
 * number as printed or typed: one group of 12–19 digits, or groups of four with a last group of
 * one to four (4-4-4-4, 4-4-4-4-3, 4-4-4-1…), or 4-4-5 (13), 4-6-4 (14, Diners), 4-6-5 (15, Amex).
 * A numeric column or a list of amounts joined by spaces or `+` (`1000+25001+2340`) is not, even
 * when its joined digits pass Luhn (about one join in ten).
 */
function cardLike(len: (k: number) => number, from: number, to: number): boolean {
  const n = to - from + 1;
  if (n === 1) return true; // the caller has checked 12–19 digits
  if (len(from) !== 4) return false;
  if (n === 3) {
    const b = len(from + 1);
    const c = len(from + 2);
    if ((b === 6 && (c === 4 || c === 5)) || (b === 4 && c === 5)) return true;
  }
  for (let k = from + 1; k < to; k++) if (len(k) !== 4) return false;
  const last = len(to);
  return last >= 1 && last <= 4;
}

/**
 * Within one run, finds the groups (split at separators) whose concatenation is a 12–19 digit
 * Luhn-valid number grouped like a card number (`cardLike`) with one separator throughout (the
 * same characters between every two groups: `4111 1111  1111 1111` is a column of numbers),
 * preferring the longest sequence at each start; returns the run with each such sequence masked.
 */
function maskRun(run: string): string {
  const parts = run.split(SPLIT_SEP); // [digits, sep, digits, sep, ...]
  const groups = (parts.length + 1) / 2;
  const len = (k: number) => parts[2 * k]!.length;
  let out = '';
  let i = 0;
  while (i < groups) {
    const sep = parts[2 * i + 1];
    let matchedEnd = -1;
    let digits = '';
    let best = '';
    for (let j = i; j < groups; j++) {
      if (j > i && parts[2 * j - 1] !== sep) break;
      digits += parts[2 * j];
      if (digits.length > 19) break;
      if (digits.length >= 12 && cardLike(len, i, j) && luhnValid(digits)) {
        matchedEnd = j;
        best = digits;
      }
    }
    const end = matchedEnd >= 0 ? matchedEnd : i;
    out += matchedEnd >= 0 ? maskedPan(best) : parts[2 * i];
    if (end + 1 < groups) out += parts[2 * end + 1];
    i = end + 1;
  }
  return out;
}

/** Replaces every PAN in `s` by its masked form; returns `s` itself when there is none. */
export function maskPans(s: string): string {
  if (s.length < 12) return s;
  if (HAS_FULL_WIDTH_DIGIT.test(s)) {
    // Full-width digits (typed with a CJK input method) are card digits too: the text is read
    // with them as ASCII (one code unit for one, so offsets match), and every digit run that is
    // not a card number is kept as written (an amount '１２３４５６７８元' stays full-width).
    const ascii = s.replace(FULL_WIDTH_DIGITS, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
    if (!HAS_12_DIGITS.test(ascii)) return s;
    return ascii.replace(DIGIT_RUN, (run: string, at: number) => {
      const masked = run.length < 12 ? run : maskRun(run);
      return masked === run ? s.slice(at, at + run.length) : masked;
    });
  }
  return maskAsciiPans(s);
}

const HAS_FULL_WIDTH_DIGIT = /[\uff10-\uff19]/;
const FULL_WIDTH_DIGITS = /[\uff10-\uff19]/g;

function maskAsciiPans(s: string): string {
  if (!HAS_12_DIGITS.test(s)) return s;
  return s.replace(DIGIT_RUN, (run) => (run.length < 12 ? run : maskRun(run)));
}

// A digit run (groups joined by SEP) at the very end, a trailing separator (or a cut `%20`) included.
const TRAILING_RUN = new RegExp(`\\d(?:${SEP}?\\d)*(?:${SEP}|%2?)?$`);
const TRAILING_TOKEN = /\S+$/;

/**
 * `head` is text cut just before the character `next`: drops what the cut split and the masker
 * could no longer recognise — a trailing digit run of more than six digits when `next` may
 * continue it (12–15 leading digits of a 16-digit PAN fail Luhn, yet give the card away: its last
 * digit is the check digit; six are at most a BIN), or a trailing token holding an `@` (a cut
 * e-mail address escapes the e-mail pattern).
 */
export function dropSplitToken(head: string, next: string): string {
  const c = next.charAt(0);
  if (c === '') return head;
  if (/[\d \t\u00a0\u2007\u202f+%./_-]/.test(c)) {
    const run = TRAILING_RUN.exec(head);
    if (run && run[0].replace(/\D/g, '').length > 6) return head.slice(0, run.index);
  }
  if (!/\s/.test(c)) {
    const token = TRAILING_TOKEN.exec(head);
    if (token && token[0].includes('@')) return head.slice(0, token.index);
  }
  return head;
}

/**
 * `s` cut to at most `max` characters for a field that is masked later (provider texts and ids
 * fitted to the event's limits): card numbers are masked first, on the whole text, and a token
 * the cut splits is dropped (`dropSplitToken`), so the cut never leaves a fragment the mask step
 * cannot see.
 */
export function cutText(s: string, max: number): string {
  const masked = maskPans(s);
  return masked.length <= max ? masked : dropSplitToken(masked.slice(0, max), masked.charAt(max));
}

/**
 * A card number sent as a JSON number: its masked form when it is one, else the number itself.
 * Past 2^53 a double no longer holds every digit (`6212345678901234569` parses to
 * `6212345678901235000`: 15 right digits, then rounding), so Luhn cannot be checked and the
 * digits still give the card away: an integer of 12–19 digits beyond the safe range becomes
 * `BIN…` (first six digits, nothing else) — unless it starts with 1: no card number of 16–19
 * digits does (ISO/IEC 7812 major industry 1 is airlines, whose UATP cards have 15 digits), while
 * epoch nanoseconds (2001–2033) and 64-bit ids (snowflakes) do.
 */
export function maskPanNumber(v: number): number | string {
  if (!Number.isInteger(v) || Math.abs(v) < 1e11) return v;
  const digits = String(Math.abs(v));
  if (digits.length > 19) return v;
  if (!Number.isSafeInteger(v)) return digits.startsWith('1') ? v : `${digits.slice(0, 6)}…`;
  const masked = maskPans(digits);
  return masked === digits ? v : masked;
}
