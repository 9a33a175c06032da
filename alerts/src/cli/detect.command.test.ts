// Guards `paywatch detect`: streams a timestamp,value CSV to timestamp,value,anomaly_score, rows aligned, scores in [0,1], spike scored, timestamps parsed, usage errors.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { detectCommand, parseTimestamp } from './detect.command.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const io = () => {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } },
    out,
    err,
  };
};

describe('detect command', () => {
  it('writes one scored row per input row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-detect-'));
    dirs.push(dir);
    const rows = ['timestamp,value'];
    for (let i = 0; i < 1200; i++)
      rows.push(
        `2026-01-01 ${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00,${i === 1100 ? 900 : 100 + 10 * Math.sin(i / 20)}`,
      );
    writeFileSync(join(dir, 'in.csv'), rows.join('\n') + '\n');
    const c = io();
    expect(await detectCommand(['--in', join(dir, 'in.csv'), '--out', join(dir, 'out.csv')], c.io)).toBe(0);
    const out = readFileSync(join(dir, 'out.csv'), 'utf8').trim().split('\n');
    expect(out[0]).toBe('timestamp,value,anomaly_score');
    expect(out).toHaveLength(rows.length);
    const scores = out.slice(1).map((l) => Number(l.split(',')[2]));
    expect(scores.every((s) => s >= 0 && s <= 1)).toBe(true);
    expect(out[1]!.split(',').slice(0, 2).join(',')).toBe(rows[1]);
    expect(scores[1100]).toBe(1);
    expect(Math.max(...scores.slice(300, 1100))).toBeLessThan(0.45);
    expect(c.err.join('')).toMatch(/scored 1200 rows/);
  });

  it('reads NAB-style, ISO and epoch timestamps (UTC unless a zone is given)', () => {
    const t = Date.UTC(2015, 1, 26, 21, 42, 53);
    expect(parseTimestamp('2015-02-26 21:42:53')).toBe(t);
    expect(parseTimestamp('2015-02-26T21:42:53Z')).toBe(t);
    expect(parseTimestamp('2015-02-26 22:42:53+01:00')).toBe(t);
    expect(parseTimestamp('1424986973')).toBe(t);
    expect(parseTimestamp('1424986973000')).toBe(t);
    expect(parseTimestamp('yesterday')).toBeUndefined();
  });

  it('exits 2 with usage when arguments are missing, 1 on a bad file', async () => {
    const c = io();
    expect(await detectCommand(['--in', 'x.csv'], c.io)).toBe(2);
    expect(c.err.join('')).toMatch(/usage: paywatch detect/);
    const dir = mkdtempSync(join(tmpdir(), 'pw-detect-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'bad.csv'), 'when,amount\n1,2\n');
    const d = io();
    expect(await detectCommand(['--in', join(dir, 'bad.csv'), '--out', join(dir, 'o.csv')], d.io)).toBe(1);
    expect(d.err.join('')).toMatch(/header must have timestamp and value/);
  });
});
