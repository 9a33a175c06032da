import type { PaymentEvent } from '@paywatch/contracts';
import { mappedIpv4, parseIpv6 } from '../../lib/client-ip.js';
import { createHmac128Hex } from '../../lib/hmac-sha256.js';
import { maskPanNumber, maskPans, storedBin } from '../../lib/pan.js';
import { fieldKey, isSensitiveField } from '../../lib/sensitive-keys.js';

/**
 * Step 3: masking, before anything is stored, logged or broadcast (PCI DSS 3.4, 3.5.1.1).
 * - Every string (and every number that looks like a card number), in every field, nested
 *   metadata keys and values included: PANs → BIN…last4.
 * - `card.bin`: eight digits only where every card number of the range has 16+ (`storedBin`).
 * - Metadata keys that name card verification data or PINs are dropped with their values.
 * - `customer_ref`, `device_ref`, `ip_ref`, and any e-mail address, international phone
 *   number or IPv4 or IPv6 address found in text, are replaced by a keyed HMAC (stable per key,
 *   not reversible; an address hashes like `ip_ref`, IPv6 in its RFC 5952 form, a port written
 *   after it kept; private, loopback and link-local ones, which name infrastructure, are kept).
 */
export interface Masker {
  maskEvent(e: PaymentEvent): PaymentEvent;
  /** The keyed hash used for refs (exposed for erase-by-customer and tests). */
  hashRef(raw: string): string;
  maskText(s: string): string;
}

const CONTACT_KEY = /^(email|e?mailaddress|phone|phonenumber|mobile|mobilenumber|tel|telephone|msisdn)$/;

// Letters and digits of any script: an internationalised address (josé@correo.es, 用户@例子.中国)
// is as personal as an ASCII one, and the ASCII-only pattern left it whole. Chinese and Japanese
// text has no spaces around an address, so a local part is either Latin (with digits) or ends in
// a letter of another script, and an ASCII top-level domain ends at the first non-ASCII letter:
// '联系邮箱test@example.com谢谢' hashes test@example.com alone, as it does anywhere else.
// The local part is read up to 128 characters (RFC 5321 allows 64): unbounded, every start in a
// long run of letters was tried to its end, so 64 KiB of 'aaa…@' (a tailed log line may be 1
// MiB) took 8.5 s; a longer local part has its last 128 characters hashed with the domain.
const EMAIL =
  /(?:[\p{sc=Latin}\p{N}._%+-]{1,128}|[\p{L}\p{N}._%+-]{0,127}(?!\p{sc=Latin})\p{L})@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.(?:[A-Za-z]{2,}|\p{L}{2,})/gu;
// A verification code or PIN written as `key=value` / `key: value` / `key is value` / `key value`
// in text (a logged URL's query, a message), also as a quoted JSON key (a logged request body,
// `"cvv":"123"`, escaped or not), an XML element or after a prefix (`card_cvv=123`): the digits
// are dropped like a metadata key of that name.
const SECRET_IN_TEXT =
  /(?<![A-Za-z])(cvv2?|cvc2?|cvn2?|csc|cav2|cid|pin|security[ _-]?code)(\\?["']?(?:\s*(?:[=:>]|is)\s*|\s+)\\?["']?)\d{3,6}\b/gi;
const SECRET_HINT = /cv[vcn2]|csc|cav2|cid|pin|secur/i;

// A dotted-quad IPv4 address: four octets, not part of a longer dotted number (a version
// 1.2.3.4.5) nor a product's version token (`Chrome/131.0.0.0`: every Chrome or Edge user agent;
// an address in a URL, `//10.0.0.1` or `/ip/10.0.0.1`, is still one). Candidates are found by a
// plain scan and checked in code (a pattern opening with lookbehinds is tried at every position,
// and a replace callback costs more than the scan).
const QUAD = /\d{1,3}(?:\.\d{1,3}){3}/g;
const HAS_QUAD = /\d\.\d{1,3}\.\d{1,3}\.\d/; // a non-global test: cheaper than a first exec
// Every pattern below but the e-mail one needs a digit (ASCII, or full-width for card numbers).
const HAS_DIGIT = /[\d\uff10-\uff19]/;

const isDigit = (c: number) => c >= 48 && c <= 57;

function isIpv4(m: string, at: number, all: string): boolean {
  const before = all.charCodeAt(at - 1);
  if (isDigit(before) || before === 46 /* . */) return false;
  const after = all.charCodeAt(at + m.length);
  if (isDigit(after) || (after === 46 && isDigit(all.charCodeAt(at + m.length + 1)))) return false;
  // Each octet 0–255 without a leading zero (read by hand: split and Number cost more than the scan).
  let value = 0;
  let len = 0;
  for (let i = 0; i <= m.length; i++) {
    const c = i < m.length ? m.charCodeAt(i) : 46;
    if (c !== 46) {
      value = value * 10 + c - 48;
      len++;
    } else if (value > 255 || (len > 1 && m.charCodeAt(i - len) === 48)) return false;
    else value = len = 0;
  }
  return !afterProductName(all, at);
}

/**
 * A private, loopback or link-local address (10/8, 172.16/12, 192.168/16, 127/8, 169.254/16):
 * infrastructure, never a shopper's address as the internet sees it — kept, so an on-call reads
 * which upstream `connect ECONNREFUSED 10.0.3.17:8123` names. `m` is a checked dotted quad.
 */
function isInfraAddress(m: string): boolean {
  const a = m.charCodeAt(1) === 46 ? m.charCodeAt(0) - 48 : Number(m.slice(0, m.indexOf('.')));
  if (a === 10 || a === 127) return true;
  if (a !== 172 && a !== 192 && a !== 169) return false;
  const rest = m.slice(m.indexOf('.') + 1);
  const b = Number(rest.slice(0, rest.indexOf('.')));
  return (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
}

const isNameChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;

/**
 * Whether `all` has `Name/` right before `at`, the name at the start or after a space, `(`, `;` or
 * `,`. A dotted name is a host (Java prints an address as `acquirer.example.com/52.14.88.10`).
 */
function afterProductName(all: string, at: number): boolean {
  if (all.charCodeAt(at - 1) !== 47 /* / */) return false;
  let i = at - 2;
  while (i >= 0 && isNameChar(all.charCodeAt(i))) i--;
  const first = all.charCodeAt(i + 1);
  if (i + 1 > at - 2 || !((first >= 65 && first <= 90) || (first >= 97 && first <= 122))) return false;
  const c = all.charCodeAt(i);
  return (
    i < 0 || c === 32 || c === 9 || c === 10 || c === 13 || c === 0xa0 || c === 40 || c === 59 || c === 44
  );
}

// IPv6 candidates: hex groups and colons (two colons at least), maybe ending in a dotted quad
// (`::ffff:203.0.113.9`); checked in code (`ipv6Of`). The hint is a non-global pre-test.
const V6_CANDIDATE = /[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,8}(?:\.\d{1,3}){0,3}/g;
const V6_HINT = /:[0-9A-Fa-f]{0,4}:/;
const isWordChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/** The groups of an IPv6 address found at `at` in `all`, or null: not glued to a word or a `.`. */
function ipv6Of(m: string, at: number, all: string): number[] | null {
  const before = all.charCodeAt(at - 1);
  const after = all.charCodeAt(at + m.length);
  // (A ':' before it only when the scan stepped past a word's colon: `ip:2001:db8::1`.)
  if (isWordChar(before) || before === 46 || isWordChar(after) || after === 58) return null;
  return m.includes('::') || m.split(':').length >= 7 ? parseIpv6(m) : null;
}

// Node's error format, `<syscall> E<CODE> <address>:<port>` (`connect ECONNREFUSED 2001:db8::1:443`,
// `listen EADDRINUSE: address already in use …`): text right before an unbracketed address that
// says its last `:digits` is a port.
const NODE_ADDRESS_PORT = /(?:\bE[A-Z]{3,}|address already in use) $/;
// Eight groups of two hex digits: a WWN or EUI-64 in byte notation (`20:00:00:25:b5:00:00:0f`,
// a Fibre Channel port's name), like a MAC address, not an IPv6 address (whose leading zeros are
// dropped, RFC 5952, or written in full four-digit groups).
const BYTE_NOTATION = /^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){7}$/;

/**
 * An unbracketed IPv6 address followed by `:port` at `at` in `all` (`m`: the candidate matched
 * there): its groups, the address's length in `m` and where the port ends, or null. Java writes
 * `/2001:db8:0:0:0:0:0:1:443` (nine groups: no address), gRPC `2001:db8::1:50051` (five digits or
 * more: no group; not checked to be a port, so no address before such digits is kept) — read so
 * always; `2001:db8::1:443` is an address too, so a last decimal group is a
 * port only in Node's error format (`NODE_ADDRESS_PORT`; `wholeIsAddress`). Otherwise the whole
 * is hashed (`2001:db8:85a3::8a2e:370:7334` is one address): nothing of it is kept.
 */
function ipv6WithPort(
  m: string,
  at: number,
  all: string,
  wholeIsAddress: boolean,
): { g: number[]; addrLen: number; end: number } | null {
  // The port after the match (it ends in a dotted quad: `::ffff:203.0.113.9:443`) or its last group.
  const tail = m.length;
  const colon = all.charCodeAt(at + tail) === 58 ? tail : m.lastIndexOf(':');
  // (After '::' only when the address ends in it: Node's `2a00:1450:4001:82b:::443`.)
  const afterDouble = m.charCodeAt(colon - 2) === 58 && m.charCodeAt(colon - 3) !== 58;
  if (colon <= 0 || (m.charCodeAt(colon - 1) === 58 && !afterDouble)) return null;
  let end = at + colon + 1;
  while (isDigit(all.charCodeAt(end))) end++;
  const digits = end - (at + colon + 1);
  if (digits === 0 || end < at + tail) return null;
  const after = all.charCodeAt(end);
  if (isWordChar(after) || after === 58 || (after === 46 && isDigit(all.charCodeAt(end + 1)))) return null;
  if (wholeIsAddress && digits < 5 && !NODE_ADDRESS_PORT.test(all.slice(Math.max(0, at - 40), at)))
    return null;
  const addr = m.slice(0, colon);
  const before = all.charCodeAt(at - 1);
  if (isWordChar(before) || before === 46) return null;
  const g = addr.includes('::') || addr.split(':').length === 8 ? parseIpv6(addr) : null;
  return g === null ? null : { g, addrLen: colon, end };
}

/**
 * An IPv6 address that names infrastructure, never a shopper (kept, as private IPv4 ones are):
 * unspecified and loopback (and the deprecated IPv4-compatible ::/96, so Node's
 * `ECONNREFUSED ::1:8123` reads as written), link-local fe80::/10, unique-local fc00::/7 (the
 * IPv6 10/8), multicast ff00::/8.
 */
function isInfraIpv6(g: number[]): boolean {
  if (g.slice(0, 6).every((x) => x === 0)) return true;
  const a = g[0]!;
  return (a & 0xffc0) === 0xfe80 || (a & 0xfe00) === 0xfc00 || (a & 0xff00) === 0xff00;
}

/** RFC 5952 text of an address: lower-case hex, the longest run of two or more zero groups as `::`. */
function canonicalIpv6(g: number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (from: number, to: number) =>
    g
      .slice(from, to)
      .map((x) => x.toString(16))
      .join(':');
  return best < 0 ? hex(0, 8) : `${hex(0, best)}::${hex(best + bestLen, 8)}`;
}

/** The text an IPv6 address is hashed as: an IPv4-mapped one as its IPv4 address, else RFC 5952. */
function hashedIpv6(g: number[]): string {
  return mappedIpv4(g) ?? canonicalIpv6(g);
}

/**
 * `ip_ref` as hashed: an IPv6 address in the form text's addresses are hashed in (`hashedIpv6`),
 * so Node's `::ffff:203.0.113.9` (`req.ip` on a dual-stack server) or Java's uncompressed
 * `2001:db8:0:0:0:0:0:1` match the same address in a message and from another client; anything
 * else (an IPv4 address, a client's own token) as sent.
 */
function ipRefForm(raw: string): string {
  if (!raw.includes(':')) return raw;
  const g = parseIpv6(raw);
  return g === null ? raw : hashedIpv6(g);
}

/** Whether the word ending just before `colon` holds a letter that is not a hex digit (a label). */
function labelBefore(s: string, colon: number): boolean {
  for (let i = colon - 1; i >= 0; i--) {
    const c = s.charCodeAt(i);
    if (!isWordChar(c)) return false;
    if (!isDigit(c) && !((c >= 65 && c <= 70) || (c >= 97 && c <= 102))) return true;
  }
  return false;
}

// International format only (leading +), 8–15 digits (E.164), separators allowed.
const PHONE = /(?<![\w+])\+\d(?:[ ().-]{0,2}\d){7,14}(?!\d)/g;

export function createMasker(hashKey: Buffer): Masker {
  // HMAC-SHA256(key, kind + NUL + value), first 16 bytes as hex. Computed every time: two
  // SHA-256 compressions (node:crypto only for long or non-ASCII values) cost less than a
  // cache lookup of the concatenated key, and no raw ref is kept in memory.
  const hmac128 = createHmac128Hex(hashKey);
  const hmac = (kind: string, v: string) => hmac128(kind + '\0', v, kind + '_');
  const hashRef = (raw: string) => hmac('ref', raw);

  const hashEmails = (s: string) =>
    s.includes('@') ? s.replace(EMAIL, (m) => hmac('email', m.toLowerCase())) : s;
  const maskText = (s: string): string => {
    if (!HAS_DIGIT.test(s)) return hashEmails(s);
    let out = maskPans(s);
    if (SECRET_HINT.test(out)) out = out.replace(SECRET_IN_TEXT, '$1$2[redacted]');
    out = hashEmails(out);
    if (out.includes('+')) out = out.replace(PHONE, (m) => hmac('phone', m.replace(/[^\d+]/g, '')));
    // Same kind as ip_ref: an address in a message hashes to the event's ip_ref. IPv6 first: an
    // IPv4-mapped address is replaced whole.
    if (V6_HINT.test(out)) out = hashIpv6(out);
    return HAS_QUAD.test(out) ? hashIpv4(out) : out;
  };
  const hashIpv6 = (s: string): string => {
    let out = '';
    let done = 0;
    V6_CANDIDATE.lastIndex = 0;
    for (let m = V6_CANDIDATE.exec(s); m !== null; m = V6_CANDIDATE.exec(s)) {
      let g = ipv6Of(m[0], m.index, s);
      let end = m.index + m[0].length;
      let port = '';
      const withPort = ipv6WithPort(m[0], m.index, s, g !== null);
      if (withPort !== null) {
        g = withPort.g;
        port = s.slice(m.index + withPort.addrLen, withPort.end);
        end = V6_CANDIDATE.lastIndex = withPort.end;
      } else if (g !== null && BYTE_NOTATION.test(m[0])) continue;
      if (g === null) {
        // Glued to a label by a colon ('ip:2001:db8::1', '[IPv6:2001:db8::1]', 'remote:2a00:…':
        // the match began at the colon, or inside a label ending in a hex letter or digit): try
        // past that colon. A hex token before it (`deadbeef:cafe::1`) is one thing, not a label.
        const c = m[0].indexOf(':');
        if (c >= 0 && m[0].charCodeAt(c + 1) !== 58 && labelBefore(s, m.index + c))
          V6_CANDIDATE.lastIndex = m.index + c + 1;
        continue;
      }
      const v4 = mappedIpv4(g);
      if (v4 !== null ? isInfraAddress(v4) : isInfraIpv6(g)) continue;
      const hashed = hmac('ip', v4 ?? canonicalIpv6(g));
      out += s.slice(done, m.index) + hashed + port;
      done = end;
    }
    return done === 0 ? s : out + s.slice(done);
  };
  const hashIpv4 = (s: string): string => {
    let out = '';
    let done = 0;
    QUAD.lastIndex = 0;
    for (let m = QUAD.exec(s); m !== null; m = QUAD.exec(s)) {
      if (!isIpv4(m[0], m.index, s) || isInfraAddress(m[0])) continue;
      out += s.slice(done, m.index) + hmac('ip', m[0]);
      done = m.index + m[0].length;
    }
    return done === 0 ? s : out + s.slice(done);
  };

  const maskValue = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return maskText(v);
    // Card numbers sent as JSON numbers (beyond 2^53 masked unchecked: digits were lost).
    if (typeof v === 'number') return maskPanNumber(v);
    if (v === null || typeof v !== 'object' || depth > 16) return v;
    if (Array.isArray(v)) return v.map((x) => maskValue(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
      const norm = fieldKey(k);
      if (isSensitiveField(k, val, norm)) continue;
      const key = maskText(k);
      out[key] =
        CONTACT_KEY.test(norm) && (typeof val === 'string' || typeof val === 'number')
          ? hmac('contact', String(val))
          : maskValue(val, depth + 1);
    }
    return out;
  };

  const opt = (s: string | null) => (s === null ? null : maskText(s));

  return {
    hashRef,
    maskText,
    maskEvent(e) {
      return {
        ...e,
        event_id: maskText(e.event_id),
        payment_id: maskText(e.payment_id),
        merchant_id: maskText(e.merchant_id),
        failure: e.failure && { ...e.failure, code: opt(e.failure.code), message: opt(e.failure.message) },
        card: e.card?.bin && e.card.bin.length > 6 ? { ...e.card, bin: storedBin(e.card.bin) } : e.card,
        customer_ref: e.customer_ref === null ? null : hashRef(e.customer_ref),
        device_ref: e.device_ref === null ? null : hmac('dev', e.device_ref),
        ip_ref: e.ip_ref === null ? null : hmac('ip', ipRefForm(e.ip_ref)),
        user_level: opt(e.user_level),
        metadata: e.metadata === null ? null : (maskValue(e.metadata, 0) as Record<string, unknown>),
      };
    },
  };
}

/** Step 3 as a pipeline step. */
export function maskStep(masker: Masker, e: PaymentEvent): PaymentEvent {
  return masker.maskEvent(e);
}
