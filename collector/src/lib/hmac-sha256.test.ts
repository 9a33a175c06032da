// Guards the fast ref pseudonyms: the JavaScript HMAC-SHA256 gives exactly node:crypto's result for every key and message shape (short, block-edge, long, non-ASCII).
import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Rng } from '../simulator/prng.js';
import { createHmac128Hex } from './hmac-sha256.js';

const reference = (key: Buffer, prefix: string, message: string) =>
  createHmac('sha256', key).update(prefix).update(message).digest('hex').slice(0, 32);

const ALPHABETS = [
  'abcdefghijklmnopqrstuvwxyz0123456789_-.:',
  '\u0000\u0001\u007f !"#$%&\'()*+,-./\\',
  'éü€中文😀\u0080\u00ff',
];

function randomText(r: Rng, length: number): string {
  const alphabet = [...ALPHABETS[r.int(ALPHABETS.length)]!];
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[r.int(alphabet.length)];
  return s;
}

describe('createHmac128Hex', () => {
  it('matches node:crypto for keys shorter than, equal to and longer than a block', () => {
    const r = new Rng(99);
    for (const key of [
      Buffer.from('k'),
      Buffer.from('bench-hash-key-0123456789abcdef0123'),
      randomBytes(64),
      randomBytes(65),
      randomBytes(200),
    ]) {
      const h = createHmac128Hex(key);
      for (let i = 0; i < 3_000; i++) {
        const prefix = ['ref\0', 'dev\0', 'ip\0', 'email\0', 'phone\0', 'contact\0', ''][r.int(7)]!;
        // Mostly around the one-block limit (55 bytes with the prefix), sometimes far beyond.
        const length = r.chance(0.9) ? r.int(60) : r.int(300);
        const message = randomText(r, length);
        expect(h(prefix, message), JSON.stringify([prefix, message])).toBe(reference(key, prefix, message));
      }
    }
  });

  it('covers every length up to two blocks exactly', () => {
    const key = randomBytes(32);
    const h = createHmac128Hex(key);
    for (let n = 0; n <= 130; n++) {
      const message = 'x'.repeat(n);
      expect(h('ref\0', message)).toBe(reference(key, 'ref\0', message));
    }
  });

  it('puts the output prefix in front, on the fast and the slow path', () => {
    const key = randomBytes(32);
    const h = createHmac128Hex(key);
    for (const message of ['cus_1', 'x'.repeat(51), 'x'.repeat(52), 'x'.repeat(200), 'Zoë']) {
      for (const out of ['', 'ref_', 'contact_']) {
        expect(h('ref\0', message, out)).toBe(out + reference(key, 'ref\0', message));
      }
    }
  });
});
