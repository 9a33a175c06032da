/**
 * Masks an identifier for display in notifications: enough to find it in the dashboard,
 * not enough to be a credential. "pay_8f3a91c2d4" → "pay_…c2d4".
 */
export function maskId(id: string): string {
  if (id.length <= 8) return `${id.slice(0, 2)}…`;
  const us = id.indexOf('_');
  const prefix = us > 0 && us <= 6 ? id.slice(0, us + 1) : id.slice(0, 3);
  return `${prefix}…${id.slice(-4)}`;
}

/** Digit runs of 13–19 digits (a PAN, with optional spaces or dashes between groups). */
const PAN_RE = /\b(?:\d[ -]?){12,18}\d\b/g;

/** Replaces anything that looks like a full card number with its masked form (first 6, last 4). */
export function maskPans(text: string): string {
  return text.replace(PAN_RE, (m) => {
    const digits = m.replace(/[ -]/g, '');
    return `${digits.slice(0, 6)}${'*'.repeat(digits.length - 10)}${digits.slice(-4)}`;
  });
}
