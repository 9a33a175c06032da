import { createHash, createHmac } from 'node:crypto';

/**
 * HMAC-SHA256 of short ASCII messages, truncated to 16 bytes as hex — the pseudonyms of
 * customer, device and IP refs on the ingest hot path. `createHmac` costs ~2 µs per call in
 * object set-up alone (three refs per event); here the key's inner and outer pad blocks are
 * compressed once, so a message of at most 55 bytes costs two SHA-256 compressions in plain
 * JavaScript. Anything else (non-ASCII text, longer messages) goes to `node:crypto`, and the
 * result is always identical to `createHmac('sha256', key).update(prefix + message)`:
 * `hmac-sha256.test.ts` checks that against `node:crypto` on many inputs.
 */
export type Hmac128Hex = (prefix: string, message: string, outPrefix?: string) => string;

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
const IV = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);
/** Char codes of the 16 hex digits. */
const HEX_CODES = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const BLOCK = 64;
/** Longest message (prefix included) that fits one block with SHA-256 padding after a pad block. */
const MAX_FAST = 55;

/** One SHA-256 compression: `out` = state `st` after the 16-word block in `w[0..15]` (w is scratch). */
function compress(st: Int32Array, out: Int32Array, w: Int32Array): void {
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15]!;
    const y = w[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = st[0]!;
  let b = st[1]!;
  let c = st[2]!;
  let d = st[3]!;
  let e = st[4]!;
  let f = st[5]!;
  let g = st[6]!;
  let h = st[7]!;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  out[0] = st[0]! + a;
  out[1] = st[1]! + b;
  out[2] = st[2]! + c;
  out[3] = st[3]! + d;
  out[4] = st[4]! + e;
  out[5] = st[5]! + f;
  out[6] = st[6]! + g;
  out[7] = st[7]! + h;
}

/** The SHA-256 state after absorbing the key XOR `pad` as the first block. */
function padState(key: Buffer, pad: number, w: Int32Array): Int32Array {
  const k = new Uint8Array(BLOCK);
  k.set(key);
  for (let i = 0; i < 16; i++) {
    w[i] =
      ((k[4 * i]! ^ pad) << 24) |
      ((k[4 * i + 1]! ^ pad) << 16) |
      ((k[4 * i + 2]! ^ pad) << 8) |
      (k[4 * i + 3]! ^ pad);
  }
  const st = new Int32Array(8);
  compress(IV, st, w);
  return st;
}

/**
 * Returns `(prefix, message, outPrefix = '') → outPrefix + hex(HMAC-SHA256(key, prefix + message))[0..32]`.
 * The result is built as one flat string (no chain of concatenations for the next consumer,
 * such as JSON.stringify, to flatten).
 */
export function createHmac128Hex(key: Buffer): Hmac128Hex {
  const w = new Int32Array(64);
  const k = key.length > BLOCK ? createHash('sha256').update(key).digest() : key;
  const inner = padState(k, 0x36, w);
  const outer = padState(k, 0x5c, w);
  const mid = new Int32Array(8);
  const fin = new Int32Array(8);
  const slow = (prefix: string, message: string, outPrefix: string) =>
    outPrefix + createHmac('sha256', key).update(prefix).update(message).digest('hex').slice(0, 32);
  const codes: number[] = [];

  return (prefix, message, outPrefix = '') => {
    const p = prefix.length;
    const n = p + message.length;
    if (n > MAX_FAST) return slow(prefix, message, outPrefix);
    w.fill(0, 0, 16);
    for (let i = 0; i < n; i++) {
      const c = i < p ? prefix.charCodeAt(i) : message.charCodeAt(i - p);
      if (c > 0x7f) return slow(prefix, message, outPrefix); // UTF-8 would take more than one byte
      w[i >> 2]! |= c << (24 - 8 * (i & 3));
    }
    w[n >> 2]! |= 0x80 << (24 - 8 * (n & 3));
    w[15] = (BLOCK + n) * 8;
    compress(inner, mid, w);
    for (let i = 0; i < 8; i++) w[i] = mid[i]!;
    w[8] = 0x80000000 | 0;
    for (let i = 9; i < 15; i++) w[i] = 0;
    w[15] = (BLOCK + 32) * 8;
    compress(outer, fin, w);
    const o = outPrefix.length;
    codes.length = o + 32;
    for (let i = 0; i < o; i++) codes[i] = outPrefix.charCodeAt(i);
    for (let i = 0; i < 4; i++) {
      const x = fin[i]!;
      for (let j = 0; j < 8; j++) codes[o + 8 * i + j] = HEX_CODES[(x >>> (28 - 4 * j)) & 15]!;
    }
    return String.fromCharCode.apply(null, codes);
  };
}
