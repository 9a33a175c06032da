// Guards the NDJSON file writer: output round-trips (plain and gzip) to exactly the generator's events, stays inside --from/--to, honours count, and reports matching counts.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaymentEventInputSchema, type PaymentEventInput } from '@paywatch/contracts';
import { countEvents } from './counts.js';
import { writeEventsFile } from './file-writer.js';
import { createGenerator } from './generator.js';
import { parseIncident } from './incidents.js';

const FROM = Date.UTC(2026, 10, 21, 10);
const TO = FROM + 30 * 60_000;
const config = { seed: 5, rate: 15, incidents: [parseIncident('card-testing@+5m/5m', FROM)] };
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paywatch-sim-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lines = (buf: Buffer): string[] =>
  buf
    .toString('utf8')
    .split('\n')
    .filter((l) => l.length > 0);

describe('writeEventsFile', { timeout: 60_000 }, () => {
  const expected = [...createGenerator({ ...config, start: FROM, end: TO })].map((e) => JSON.stringify(e));

  for (const name of ['events.ndjson', 'events.ndjson.gz']) {
    it(`round-trips ${name}`, async () => {
      const path = join(dir, name);
      const report = await writeEventsFile({ ...config, path, from: FROM, to: TO });
      const raw = await readFile(path);
      const gz = name.endsWith('.gz');
      expect(report.gzip).toBe(gz);
      if (gz) expect(raw.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
      const got = lines(gz ? gunzipSync(raw) : raw);
      expect(got.length).toBe(expected.length);
      expect(got.join('\n') === expected.join('\n')).toBe(true);
      expect(report.events).toBe(got.length);
      expect(report.bytes).toBe(Buffer.byteLength(got.join('\n') + '\n'));
      const events = got.map((l) => JSON.parse(l) as PaymentEventInput);
      expect(report.counts).toEqual(countEvents(events));
      expect(events.every((e) => PaymentEventInputSchema.safeParse(e).success)).toBe(true);
      const times = events.map((e) => Date.parse(e.ts as string));
      expect(Math.min(...times)).toBeGreaterThanOrEqual(FROM);
      expect(Math.max(...times)).toBeLessThan(TO);
      expect(report.events_per_s).toBeGreaterThan(0);
    });
  }

  it('stops after count events', async () => {
    const path = join(dir, 'count.ndjson');
    const report = await writeEventsFile({ ...config, path, from: FROM, to: TO, count: 1234 });
    const got = lines(await readFile(path));
    expect(report.events).toBe(1234);
    expect(got).toEqual(expected.slice(0, 1234));
  });

  it('stops when the signal aborts, leaving a valid file of what was written', async () => {
    const path = join(dir, 'aborted.ndjson');
    const ac = new AbortController();
    ac.abort();
    const report = await writeEventsFile({ ...config, path, from: FROM, to: TO, signal: ac.signal });
    expect(report.aborted).toBe(true);
    expect(report.events).toBe(0);
    expect(lines(await readFile(path))).toEqual([]);
  });
});
