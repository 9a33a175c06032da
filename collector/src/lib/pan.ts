/**
 * Card number (PAN) detection and masking. A PAN is a run of 12–19 digits that passes the Luhn
 * check, possibly grouped like a card number (4-4-4-4, 4-6-5, 4-4-4-4-3…, or two groups no brand
 * prints, 8-8 or 6-10, when the digits start like a card number) by alike separators: soft ones
 * mixed at will (a dash, one or two blanks — spaces, tabs, no-break spaces as copied from a web
 * page or PDF, ideographic spaces typed with a CJK input method — and a line break:
 * `4111-1111-1111 1111`, `4111 - 1111 - …`), or one of `./_`, or the URL/form encodings of a
 * space, `%20` and `+`, used throughout. A card number glued to zero padding or to its security
 * code or expiry date is found too. Masked form: first six digits, `…`, last four (PCI DSS 3.4.1
 * allows at most BIN + last four to be shown).
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

/**
 * A card's BIN as stored: the first six digits, or up to eight where every card number of the
 * range has 16 digits or more. PCI SSC FAQ 1091 ("acceptable formats for truncation of PANs")
 * keeps first 6 + last 4 as the baseline and allows first 8 + last 4 only for 16-digit PANs;
 * shorter PANs keep first 6 at most (Amex's 15 digits: at least 5 removed). The event does not
 * carry the PAN's length, so the BIN's range decides (not the brand the client sent): Mastercard
 * 51–55 and 2221–2720 (16 digits), Discover 6011, 644–649, 65, JCB 3528–3589 and UnionPay 62
 * (16–19). Visa (13, 16 or 19 digits; 13-digit account ranges still exist), Maestro (12–19),
 * Amex (15) and Diners (14) keep six: first 8 + last 4 of a 13-digit PAN shows 12 digits, and
 * the check digit gives the 13th.
 */
export function storedBin(bin: string): string {
  if (bin.length <= 6) return bin;
  const p2 = Number(bin.slice(0, 2));
  const p4 = Number(bin.slice(0, 4));
  const p3 = Math.floor(p4 / 10);
  const long =
    (p2 >= 51 && p2 <= 55) ||
    (p4 >= 2221 && p4 <= 2720) ||
    p4 === 6011 ||
    (p3 >= 644 && p3 <= 649) ||
    p2 === 65 ||
    (p4 >= 3528 && p4 <= 3589) ||
    p2 === 62;
  return long ? bin : bin.slice(0, 6);
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isBlank = (c: number) =>
  c === 32 || c === 9 || c === 0xa0 || c === 0x2007 || c === 0x202f || c === 0x3000;
/** A character of a "soft" separator: a blank, a line break or a dash (mixed alike in one number). */
const isSoft = (c: number) => isBlank(c) || c === 10 || c === 13 || c === 45;

/**
 * Length of the separator at `p` when a digit follows it, else 0: a soft one — up to two blanks,
 * one dash and one line break (`\n` or `\r\n`) in any order: `-`, ` `, `  `, ` - `, `\r\n`,
 * ` \n` — or one of `+./_`, or `%20`.
 */
function sepLength(s: string, p: number): number {
  const c = s.charCodeAt(p);
  let n = 0;
  if (isSoft(c)) {
    let blanks = 0;
    let dashes = 0;
    let breaks = 0;
    for (;;) {
      const d = s.charCodeAt(p + n);
      if (isBlank(d) && blanks < 2) blanks++;
      else if (d === 45 && dashes === 0) dashes++;
      else if (d === 10 && breaks === 0) breaks++;
      else if (d === 13 && breaks === 0 && s.charCodeAt(p + n + 1) === 10) {
        breaks++;
        n++;
      } else break;
      n++;
    }
  } else if (c === 43 || c === 46 || c === 47 || c === 95) n = 1;
  else if (c === 37 && s.charCodeAt(p + 1) === 50 && s.charCodeAt(p + 2) === 48) n = 3;
  return n > 0 && isDigit(s.charCodeAt(p + n)) ? n : 0;
}

/**
 * Whether `d` (digits) starts like a card number of its length: Visa 4 (13, 16, 19 digits),
 * Mastercard 51–55 and 2221–2720 (16), Mir 2200–2204 (16), Amex 34/37 (15), Diners 36/38/39/
 * 300–305 (14–19), JCB 3528–3589 (16–19), Discover, UnionPay, RuPay and Maestro (50, 56–58, 60,
 * 62–65, 67: 16–19; Maestro's rare 12–15-digit numbers are still masked where written plainly).
 * Used where a number is read as a card only from its digits — a grouping no brand prints, a card
 * number glued to other digits, a choice between two overlapping readings — never to keep a
 * plainly written one.
 */
function brandLike(d: string): boolean {
  const len = d.length;
  const c = d.charCodeAt(0) - 48;
  if (c === 4) return len === 13 || len === 16 || len === 19;
  const p2 = (c * 10 + d.charCodeAt(1) - 48) | 0;
  if (c === 5) return p2 >= 51 && p2 <= 55 ? len === 16 : p2 !== 59 && len >= 16;
  if (c === 6) return (p2 === 60 || (p2 >= 62 && p2 <= 65) || p2 === 67) && len >= 16;
  const p4 = Number(d.slice(0, 4));
  if (c === 2) return ((p4 >= 2221 && p4 <= 2720) || (p4 >= 2200 && p4 <= 2204)) && len === 16;
  if (c !== 3) return false;
  if (p2 === 34 || p2 === 37) return len === 15;
  if (p4 >= 3528 && p4 <= 3589) return len >= 16;
  return (p2 === 36 || p2 === 38 || p2 === 39 || (p4 >= 3000 && p4 <= 3059)) && len >= 14;
}

/** The length of group `k` of a run (`at`: start and end offset of each group). */
const groupLen = (at: number[], k: number) => at[2 * k + 1]! - at[2 * k]!;

/**
 * Whether groups `from`..`to` of a run (`at`: start and end offset of each group) are grouped
 * like a card number as printed or typed: one group of 12–19 digits, or groups of four with a
 * last group of one to four (4-4-4-4, 4-4-4-4-3, 4-4-4-1…), or 4-4-5 (13), 4-6-4 (14, Diners),
 * 4-6-5 (15, Amex). A numeric column or a list of amounts joined by spaces or `+`
 * (`1000+25001+2340`) is not, even when its joined digits pass Luhn (about one join in ten).
 * Two groups of four digits or more that no brand prints (8-8 `41111111 11111111`, 6-10), 16 in
 * all (most card numbers' length; Amex is printed 4-6-5) and not split by a tab or a line break (a
 * column), are a card number only when the digits start like one of their length (`brandLike`).
 */
function cardLike(s: string, at: number[], from: number, to: number, digits: string): boolean {
  const len = (k: number) => groupLen(at, k);
  const n = to - from + 1;
  if (n === 1) return true; // the caller has checked 12–19 digits
  if (len(from) === 4) {
    if (n === 3) {
      const b = len(from + 1);
      const c = len(from + 2);
      if ((b === 6 && (c === 4 || c === 5)) || (b === 4 && c === 5)) return true;
    }
    let fours = true;
    for (let k = from + 1; k < to && fours; k++) fours = len(k) === 4;
    const last = len(to);
    if (fours && last >= 1 && last <= 4) return true;
  }
  if (n !== 2 || len(from) < 4 || len(to) < 4 || digits.length !== 16) return false;
  // Typed, not a column: no tab, no line break between the two.
  for (let p = at[2 * from + 1]!; p < at[2 * to]!; p++) {
    const c = s.charCodeAt(p);
    if (c === 9 || c === 10 || c === 13) return false;
  }
  return brandLike(digits);
}

/**
 * Whether the separators after groups `a` and `b` of a run are alike: both soft (blanks, a dash,
 * a line break, mixed: `4111-1111-1111 1111`, `4111 - 1111 - 1111 - 1111`, a number wrapped
 * over two lines, a typed double space, no-break spaces copied from a web page — a card number
 * typed or copied by a person is still grouped 4-4-4-4, which no numeric column of other widths
 * is: `cardLike`), or the same characters (`4111.1111-1111.1111` is not one number).
 */
function sameSep(s: string, at: number[], a: number, b: number): boolean {
  const a0 = at[2 * a + 1]!;
  const b0 = at[2 * b + 1]!;
  const n = at[2 * a + 2]! - a0;
  if (isSoft(s.charCodeAt(a0))) return isSoft(s.charCodeAt(b0));
  if (at[2 * b + 2]! - b0 !== n) return false;
  for (let k = 0; k < n; k++) if (s.charCodeAt(a0 + k) !== s.charCodeAt(b0 + k)) return false;
  return true;
}

/**
 * Whether `d` (12–19 digits) may be a card number by its first digits: none starts with 0 (ISO/IEC
 * 7812 major industry 0; a zero-padded one is read by `gluedCard`) or 20 (2-series cards are
 * Mastercard 2221–2720, Mir 2200–2204, BORICA 2205), and only UATP's 15-digit numbers and
 * Indonesia's GPN cards (`1946`, 16, 18 or 19 digits) start with 1 — while dates (`20261126…`),
 * epoch milliseconds, micro- and nanoseconds, 64-bit ids (snowflakes) and numbers dialled with
 * `00` do (epoch values reach `1946…` in 2031).
 */
function mayStartCard(d: string): boolean {
  const c = d.charCodeAt(0);
  if (c === 49) return d.length === 15 || gpnCard(d);
  return c !== 48 && !(c === 50 && d.charCodeAt(1) === 48);
}

/** Whether `d` is as long as a GPN card number (Indonesia's national network, IIN 1946) and starts so. */
const gpnCard = (d: string) =>
  (d.length === 16 || d.length === 18 || d.length === 19) && d.startsWith('1946');

/** A card number found in a run: its last group and its digits. */
interface Found {
  end: number;
  digits: string;
}

/**
 * The longest card number starting at group `i` of a run (`at`: group offsets in `ascii`), or
 * null: 12–19 digits passing Luhn, grouped like a card number (`cardLike`) with alike separators
 * (`sameSep`), starting as a card number may (`mayStartCard`). A 4-4-4-4-3 whose first 16 digits
 * are a card number too is read as a 16-digit card followed by its security code (about one such 19-digit join in ten passes Luhn; masked whole, its "last
 * four" would be a digit of the card and the code).
 */
function cardAt(ascii: string, at: number[], groups: number, i: number): Found | null {
  let end = -1;
  let best = '';
  let shorterEnd = -1;
  let shorter = '';
  let digits = '';
  for (let j = i; j < groups; j++) {
    if (j > i + 1 && !sameSep(ascii, at, i, j - 1)) break;
    digits += ascii.slice(at[2 * j], at[2 * j + 1]);
    if (digits.length > 19) break;
    if (
      digits.length >= 12 &&
      mayStartCard(digits) &&
      cardLike(ascii, at, i, j, digits) &&
      luhnValid(digits)
    ) {
      shorterEnd = end;
      shorter = best;
      end = j;
      best = digits;
    }
  }
  if (end < 0) return null;
  if (best.length === 19 && groupLen(at, end) === 3 && shorterEnd === end - 1 && shorter.length === 16)
    return { end: shorterEnd, digits: shorter };
  return { end, digits: best };
}

/** The two-digit number at `q` in `s` (a month, when 1–12). */
const twoDigitsAt = (s: string, q: number) => (s.charCodeAt(q) - 48) * 10 + s.charCodeAt(q + 1) - 48;

/** Whether the four digits at `p` are an expiry date, MMYY or YYMM. */
function expiryAt(s: string, p: number): boolean {
  const a = twoDigitsAt(s, p);
  const b = twoDigitsAt(s, p + 2);
  return (a >= 1 && a <= 12) || (b >= 1 && b <= 12);
}

/** Whether the six digits at `p` are an expiry date with a four-digit year, MMYYYY or YYYYMM (20xx). */
function longExpiryAt(s: string, p: number): boolean {
  const is20 = (q: number) => s.charCodeAt(q) === 50 && s.charCodeAt(q + 1) === 48;
  const a = twoDigitsAt(s, p);
  const b = twoDigitsAt(s, p + 4);
  return (a >= 1 && a <= 12 && is20(p + 2)) || (is20(p) && b >= 1 && b <= 12);
}

/**
 * A card number glued to other digits in one group `s[g0, g1)` that is no card number itself:
 * behind zero padding (`0000004111111111111111`, a fixed-width field) or followed by its
 * security code (3 digits, Amex 4), expiry date (MMYY, YYMM, MMYYYY, YYYYMM) or both
 * (`41111111111111111228`, whose "last four" read whole would be the expiry). The card number
 * must start like one of its length (`brandLike`) and the tail must fit: a 20-digit order id
 * holds a Luhn-valid window at most starts, so windows at any other place are not looked for
 * (nor behind an ISO 8583 length prefix, `164111111111111111`: epoch nanoseconds of 2026–2027
 * read `17` + 17 digits). Returns the replacement of `s[from, to)` (the tail redacted), or null.
 */
function gluedCard(s: string, g0: number, g1: number): { from: number; to: number; text: string } | null {
  const len = g1 - g0;
  if (len < 13 || len > 27) return null;
  let z = g0;
  while (s.charCodeAt(z) === 48) z++;
  if (z > g0) {
    const d = s.slice(z, g1);
    return d.length >= 12 && d.length <= 19 && brandLike(d) && luhnValid(d)
      ? { from: z, to: g1, text: maskedPan(d) }
      : null;
  }
  for (const tail of [3, 4, 6, 7, 8]) {
    const n = len - tail;
    if (n < 13 || n > 19) continue;
    const d = s.slice(g0, g0 + n);
    const amex = n === 15;
    const fits =
      tail === 6
        ? longExpiryAt(s, g0 + n)
        : tail === 3 || tail === 7
          ? !amex && (tail === 3 || expiryAt(s, g0 + n))
          : (tail === 4 && amex) || expiryAt(s, g0 + n);
    if (fits && brandLike(d) && luhnValid(d)) return { from: g0, to: g1, text: `${maskedPan(d)}[redacted]` };
  }
  return null;
}

/**
 * One run of `groups` digit groups (`at`: their offsets in `ascii`): masks each card number
 * (`cardAt`, or `gluedCard` in a group that is none) and returns the run with the rest as
 * written in `orig`, or null when there is none.
 */
function maskRun(ascii: string, orig: string, at: number[], groups: number): string | null {
  // Built only from the first card number on: most runs (dates, order numbers) hold none.
  let out = '';
  let copied = at[0]!; // `orig` before this offset is in `out`
  let masked = false;
  let i = 0;
  while (i < groups) {
    const c = cardAt(ascii, at, groups, i);
    if (c === null) {
      const g = gluedCard(ascii, at[2 * i]!, at[2 * i + 1]!);
      if (g !== null) {
        out += orig.slice(copied, g.from) + g.text;
        copied = g.to;
        masked = true;
      }
      i++;
      continue;
    }
    let from = i;
    let end = c.end;
    let card = c.digits;
    let shown = maskedPan(card);
    // A card number starting inside this one and ending past it ('1234 4111 1111 1111 1111',
    // where '1234 4111 1111 1111' passes Luhn too): masking the first would show a group of the
    // second as its last four and leave the second's last group raw. The reading that starts
    // like a card number of its length wins; when both or neither do, both are masked as one
    // (the first's BIN, the second's last four).
    for (let k = i + 1; k <= end && end < groups - 1; k++) {
      const d = cardAt(ascii, at, groups, k);
      if (d === null || d.end <= end) continue;
      const first = brandLike(card);
      if (brandLike(d.digits) !== first) {
        if (!first) [from, card, shown] = [k, d.digits, maskedPan(d.digits)];
        else break;
      } else shown = `${card.slice(0, 6)}…${d.digits.slice(-4)}`;
      end = d.end;
      card = d.digits;
      break;
    }
    masked = true;
    out += orig.slice(copied, at[2 * from]) + shown;
    copied = at[2 * end + 1]!;
    const next = end + 1;
    // The group right after a card number, as long as its security code (4 digits for Amex, 3
    // otherwise), neither after nor before a decimal point (an amount, '… 1111 129.99 EUR'): a
    // CVV written beside the number ('4111 1111 1111 1111 123', '… 1111 123 12/28': the expiry
    // after it is in the same run), which must never be stored.
    if (
      next < groups &&
      groupLen(at, next) === (/^3[47]/.test(card) ? 4 : 3) &&
      orig.slice(copied, at[2 * next]) !== '.' &&
      ascii.charCodeAt(at[2 * next + 1]!) !== 46
    ) {
      out += orig.slice(copied, at[2 * next]) + '[redacted]';
      copied = at[2 * next + 1]!;
      i = next + 1;
    } else i = next;
  }
  return masked ? out + orig.slice(copied, at[2 * groups - 1]) : null;
}

// Offsets of the current run's groups (start, end, start, end…): reused, the masker is synchronous
// (written by index, never emptied: `length = 0` would free and regrow its store on every run).
const runAt: number[] = [0, 0];

/**
 * Scans `ascii` for maximal runs of digit groups joined by separators (a plain scan by char
 * code: a regex per run and a split cost more than the whole scan) and masks the card numbers in
 * runs of 12 digits or more. Text outside card numbers is copied from `orig` (same offsets).
 */
function maskRuns(ascii: string, orig: string): string {
  let out = '';
  let done = 0;
  const n = ascii.length;
  for (let i = 0; i < n; i++) {
    if (!isDigit(ascii.charCodeAt(i))) continue;
    // An encoded space before the digits ('q=card%204111%201111…') is a separator, not the run's
    // first group ('204111' would hide the card grouped behind it).
    if (ascii.charCodeAt(i - 1) === 37 && ascii.startsWith('20', i) && isDigit(ascii.charCodeAt(i + 2)))
      i += 2;
    let groups = 0;
    let p = i;
    let digits = 0;
    for (;;) {
      const g = p;
      while (p < n && isDigit(ascii.charCodeAt(p))) p++;
      runAt[2 * groups] = g;
      runAt[2 * groups + 1] = p;
      groups++;
      digits += p - g;
      const k = sepLength(ascii, p);
      if (k === 0) break; // a separator runs from one group's end to the next one's start
      p += k;
    }
    if (digits >= 12) {
      const masked = maskRun(ascii, orig, runAt, groups);
      if (masked !== null) {
        out += orig.slice(done, i) + masked;
        done = p;
      }
    }
    i = p;
  }
  return done === 0 ? orig : out + orig.slice(done);
}

/** Replaces every PAN in `s` by its masked form; returns `s` itself when there is none. */
export function maskPans(s: string): string {
  if (s.length < 12) return s;
  if (HAS_FULL_WIDTH_DIGIT.test(s)) {
    // Full-width digits (typed with a CJK input method) are card digits too: the text is read
    // with them and the full-width separators '＋－．／' as ASCII (one code unit for one, so offsets
    // match; the ideographic space U+3000 is a blank), and every digit run that is not a card
    // number is kept as written (an amount '１２３４５６７８元' stays full-width).
    const ascii = s.replace(FULL_WIDTH_DIGITS, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
    return MAY_HOLD_PAN.test(ascii) ? maskRuns(ascii, s) : s;
  }
  return MAY_HOLD_PAN.test(s) ? maskRuns(s, s) : s;
}

// Every card number as `cardLike` reads it holds four digits in a row (its first group, or the
// whole number): a native pre-test that most texts fail (ids like `evt_01JDQ8ZK…`, words, user
// agents' `537.36`, `131.0.0.0`), cheaper than the scan in code.
const MAY_HOLD_PAN = /\d{4}/;

const HAS_FULL_WIDTH_DIGIT = /[\uff10-\uff19]/;
const FULL_WIDTH_DIGITS = /[\uff0b\uff0d-\uff19]/g; // digits and ＋－．／

/**
 * Length of a separator of card-number groups ending at `end` in `s` (the set `sepLength` reads
 * forwards, soft runs up to five characters: two blanks, a dash and `\r\n`), else 0.
 */
function sepBefore(s: string, end: number): number {
  const c = s.charCodeAt(end - 1);
  if (c === 43 || c === 46 || c === 47 || c === 95) return 1;
  if (c === 48 && s.charCodeAt(end - 2) === 50 && s.charCodeAt(end - 3) === 37) return 3; // %20
  let n = 0;
  while (n < 5 && end - n > 0 && isSoft(s.charCodeAt(end - n - 1))) n++;
  return n;
}

/**
 * The digits of the run of card-number-like groups (joined by one separator each) at the very
 * end of `head`, a trailing separator or a cut `%20` included: where it starts and how many
 * digits it holds, or null. Read backwards by char code: a pattern anchored at the end is tried
 * from every start, which costs the square of a long line's length (a 16 KiB tailed line of
 * `1 1 1 …x` took 0.3 s, 1 MiB lines minutes).
 */
function trailingRun(head: string): { start: number; digits: number } | null {
  let i = head.length;
  let k = sepBefore(head, i);
  // Or a cut '%20': '%', '%2'.
  if (k === 0 && head.charCodeAt(i - 1) === 37) k = 1;
  else if (k === 0 && head.charCodeAt(i - 1) === 50 && head.charCodeAt(i - 2) === 37) k = 2;
  i -= k;
  let start = -1;
  let digits = 0;
  for (;;) {
    let j = i;
    while (j > 0 && isDigit(head.charCodeAt(j - 1))) j--;
    if (head.charCodeAt(j - 1) === 37 && i - j > 2 && head.startsWith('20', j)) j += 2; // %20 + digits
    if (j === i) break;
    digits += i - j;
    start = j;
    const sep = sepBefore(head, j);
    if (sep === 0 || !isDigit(head.charCodeAt(j - sep - 1))) break;
    i = j - sep;
  }
  return start < 0 ? null : { start, digits };
}

const isAddressChar = (c: number) =>
  (c >= 48 && c <= 58) /* 0-9 : */ || c === 46 || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const TRAILING_TOKEN = /\S+$/;
// The start of an IPv4 address (two octets or more) at the end of a token no longer than 16.
const TRAILING_IPV4 = /\d{1,3}(?:\.\d{0,3}){1,3}$/;

/**
 * `head` is text cut just before the character `next`: drops what the cut split and the masker
 * could no longer recognise — a trailing digit run of more than six digits when `next` may
 * continue it (12–15 leading digits of a 16-digit PAN fail Luhn, yet give the card away: its last
 * digit is the check digit; six are at most a BIN), a trailing token holding an `@` (a cut
 * e-mail address escapes the e-mail pattern), or the start of an IP address when `next` may
 * continue it (`client 203.0.11` before `3`, `2001:db8:85a3:1234:5678:9` before `a`: the masker
 * hashes only whole addresses, so it would keep the part raw, or hash another address).
 */
export function dropSplitToken(head: string, next: string): string {
  const c = next.charAt(0);
  if (c === '') return head;
  if (/[\d \t\u00a0\u2007\u202f\u3000\r\n+%./_-]/.test(c)) {
    const run = trailingRun(head);
    if (run && run.digits > 6) return head.slice(0, run.start);
  }
  if (isAddressChar(c.charCodeAt(0))) {
    // The token of hex digits, ':' and '.' at the end: an IPv6 start has two colons or more,
    // an IPv4 one two octets or more (the whole token goes).
    let i = head.length;
    let colons = 0;
    while (i > 0 && isAddressChar(head.charCodeAt(i - 1))) if (head.charCodeAt(--i) === 58) colons++;
    if (colons >= 2) return head.slice(0, i);
    if (
      (isDigit(c.charCodeAt(0)) || c === '.') &&
      TRAILING_IPV4.test(head.slice(Math.max(i, head.length - 16)))
    )
      return head.slice(0, i);
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
 * the cut splits — digits, an e-mail address, an IP address — is dropped (`dropSplitToken`), so
 * the cut never leaves a fragment the mask step cannot see.
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
 * `BIN…` (first six digits, nothing else) — unless it starts with 1 but not like a GPN card
 * (`mayStartCard`; ISO/IEC 7812 major industry 1 is airlines, whose UATP cards have 15 digits),
 * as epoch nanoseconds (2001–2033) and 64-bit ids (snowflakes) do.
 */
export function maskPanNumber(v: number): number | string {
  if (!Number.isInteger(v) || Math.abs(v) < 1e11) return v;
  const digits = String(Math.abs(v));
  if (digits.length > 19) return v;
  if (!Number.isSafeInteger(v))
    return digits.startsWith('1') && !gpnCard(digits) ? v : `${digits.slice(0, 6)}…`;
  const masked = maskPans(digits);
  return masked === digits ? v : masked;
}
