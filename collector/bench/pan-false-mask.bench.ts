/**
 * How often card-number masking changes text that holds no card number (false masking):
 * `npx tsx collector/bench/pan-false-mask.bench.ts [n]` masks `n` (100,000) generated strings of
 * each kind — order ids, timestamps, phone-like ids, numeric columns — with a fixed seed and
 * prints, per kind, the share `maskPans` changed. Digits are random, so about one 12–19-digit
 * number in ten passes the Luhn check: a plain run that does is masked (a card number cannot be
 * told from it), and that share is the floor for such kinds.
 */
import { maskPans } from '../src/lib/pan.js';

const n = Number(process.argv[2] ?? 100_000);
let seed = 0x9e3779b9;
const rnd = (): number => {
  // xorshift32: the same strings on every run.
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed / 0x100000000;
};
const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
const digits = (k: number, first = '123456789') =>
  first[int(0, first.length - 1)]! + Array.from({ length: k - 1 }, () => String(int(0, 9))).join('');
const pad = (x: number, k: number) => String(x).padStart(k, '0');
const date = () => `${int(2019, 2030)}${pad(int(1, 12), 2)}${pad(int(1, 28), 2)}`;
const time = () => `${pad(int(0, 23), 2)}${pad(int(0, 59), 2)}${pad(int(0, 59), 2)}`;
const epochMs = () => String(int(1_546_300_800_000, 1_924_992_000_000));

const kinds: Record<string, () => string> = {
  'order id, 10–19 digits': () => `order ${digits(int(10, 19))} failed`,
  'order id, 20–27 digits': () => `order ${digits(int(20, 27))} failed`,
  'order id, date + 6–12 digits': () => `order ${date()}${digits(int(6, 12), '0123456789')} ok`,
  'order id, date-seq': () => `ORD-${date()}-${pad(int(0, 999999), 6)}`,
  'snowflake id (19 digits)': () => `id=${digits(19, '1')}`,
  'timestamp ms / µs / ns': () => {
    const ms = epochMs();
    const k = int(0, 2);
    return `ts=${k === 0 ? ms : k === 1 ? ms + digits(3, '0123456789') : ms + digits(6, '0123456789')}`;
  },
  'timestamp date time': () =>
    [
      `${date()} ${time()}`,
      `${date()}${time()}${pad(int(0, 999), 3)}`,
      `${date()} ${time()}${pad(int(0, 999), 3)}`,
    ][int(0, 2)]!,
  'timestamp + id glued': () => `${epochMs()}${digits(int(4, 10), '0123456789')}`,
  'phone-like id': () =>
    [
      `tel ${digits(int(10, 15))}`,
      `0${digits(3)} ${digits(4)} ${digits(4)}`,
      `0${digits(2)}-${digits(4)}-${digits(4)}`,
      `00${digits(int(11, 13))}`,
      `(${digits(3)}) ${digits(3)}-${digits(4)}`,
    ][int(0, 4)]!,
  'numeric columns': () =>
    Array.from({ length: int(2, 5) }, () => digits(int(1, 8))).join(
      ['\t', ' ', '  ', ' - ', '\n'][int(0, 4)]!,
    ),
  'amounts and dates': () =>
    `${int(1, 9999)}.${pad(int(0, 99), 2)} EUR on ${date().slice(0, 4)}-${date().slice(4, 6)}-${pad(int(1, 28), 2)} ref ${digits(int(4, 9))}`,
};

for (const [kind, gen] of Object.entries(kinds)) {
  let changed = 0;
  let example = '';
  for (let i = 0; i < n; i++) {
    const s = gen();
    if (maskPans(s) !== s) {
      changed++;
      if (example === '') example = s;
    }
  }
  console.log(
    `${kind.padEnd(32)} ${((100 * changed) / n).toFixed(3).padStart(7)} %  ${example && `e.g. ${JSON.stringify(example)}`}`,
  );
}
