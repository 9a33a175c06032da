/**
 * Card number (PAN) detection and masking. A PAN is a run of 12–19 digits, possibly grouped
 * with single spaces or dashes, that passes the Luhn check. Masked form: first six digits,
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

// A maximal run of digits joined by single spaces/dashes, not touching other digits.
const DIGIT_RUN = /\d(?:[ -]?\d)*/g;
const HAS_12_DIGITS = /(?:\d[ -]?){12}/;

/**
 * Within one run, finds the groups (split at separators) whose concatenation is a 12–19 digit
 * Luhn-valid number, preferring the longest sequence at each start; returns the run with each
 * such sequence masked. A single group of 12–19 digits is a candidate on its own.
 */
function maskRun(run: string): string {
  const groups = run.split(/([ -])/); // [digits, sep, digits, sep, ...]
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
  if (s.length < 12 || !HAS_12_DIGITS.test(s)) return s;
  return s.replace(DIGIT_RUN, (run) => (run.length < 12 ? run : maskRun(run)));
}
