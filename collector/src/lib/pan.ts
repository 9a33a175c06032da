/**
 * Card number (PAN) detection and masking. A PAN is a run of 12–19 digits, possibly grouped
 * (by a dash, one or two spaces, tabs, no-break spaces as copied from a web page or PDF, or the
 * URL/form encodings of a space, `%20` and `+`), that passes the Luhn check. Masked form: first six digits,
 * `…`, last four (PCI DSS 3.4.1 allows at most BIN + last four to be shown).
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
const SEP = '(?:[ \\t\\u00a0\\u2007\\u202f]{1,2}|-|\\+|%20)';
// A maximal run of digits joined by separators, not touching other digits.
const DIGIT_RUN = new RegExp(`\\d(?:${SEP}?\\d)*`, 'g');
const HAS_12_DIGITS = new RegExp(`(?:\\d${SEP}?){12}`);
const SPLIT_SEP = new RegExp(`(${SEP})`);

/**
 * Within one run, finds the groups (split at separators) whose concatenation is a 12–19 digit
 * Luhn-valid number, preferring the longest sequence at each start; returns the run with each
 * such sequence masked. A single group of 12–19 digits is a candidate on its own.
 */
function maskRun(run: string): string {
  const groups = run.split(SPLIT_SEP); // [digits, sep, digits, sep, ...]
  const digitGroups: string[] = [];
  const seps: string[] = [];
  for (let i = 0; i < groups.length; i++) (i % 2 === 0 ? digitGroups : seps).push(groups[i]!);
  const out: string[] = [];
  let i = 0;
  while (i < digitGroups.length) {
    let matchedEnd = -1;
    let digits = '';
    let best = '';
    for (let j = i; j < digitGroups.length; j++) {
      digits += digitGroups[j];
      if (digits.length > 19) break;
      if (digits.length >= 12 && luhnValid(digits)) {
        matchedEnd = j;
        best = digits;
      }
    }
    if (matchedEnd >= 0) {
      out.push(maskedPan(best));
      if (matchedEnd < seps.length && matchedEnd + 1 < digitGroups.length) out.push(seps[matchedEnd]!);
      i = matchedEnd + 1;
    } else {
      out.push(digitGroups[i]!);
      if (i < seps.length && i + 1 < digitGroups.length) out.push(seps[i]!);
      i++;
    }
  }
  return out.join('');
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
  if (/[\d \t\u00a0\u2007\u202f+%-]/.test(c)) {
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
