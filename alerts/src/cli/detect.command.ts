import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { createUnivariateDetector, DEFAULT_UNIVARIATE_CONFIG } from '../detect/univariate.detector.js';
import type { UnivariateConfig } from '../detect/univariate.detector.js';
import type { CliIo } from './io.js';
import { parseCommandArgs } from './args.js';

const USAGE =
  'usage: paywatch detect --in series.csv --out scores.csv\n' +
  '  Reads a `timestamp,value` CSV (header required) one row at a time and writes\n' +
  '  `timestamp,value,anomaly_score` with scores in [0,1] (the production univariate detector).\n' +
  '  Timestamps (`YYYY-MM-DD HH:MM:SS` UTC, ISO 8601 or epoch seconds/ms) feed its weekly profile.\n';

/**
 * `paywatch detect`: streams a univariate series through the production detector. Returns the
 * exit code (0 ok, 2 usage error, 1 bad input).
 */
export async function detectCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const a = parseCommandArgs(
    { command: 'detect', help: USAGE, options: { in: { type: 'string' }, out: { type: 'string' } } },
    argv,
    io,
  );
  if (a.kind !== 'parsed') return a.exitCode;
  const { in: input, out: output } = a.args.values;
  if (input === undefined || output === undefined) {
    io.stderr.write(USAGE);
    return 2;
  }
  const rows = await detectFile(input, output).catch((e: unknown) => {
    io.stderr.write(`paywatch detect: ${e instanceof Error ? e.message : String(e)}\n`);
    return -1;
  });
  if (rows < 0) return 1;
  io.stderr.write(`paywatch detect: scored ${rows} rows → ${output}\n`);
  return 0;
}

/**
 * Epoch milliseconds of a CSV timestamp: `YYYY-MM-DD HH:MM:SS` (UTC unless a zone is given),
 * ISO 8601, or a number (epoch seconds, or milliseconds when above 1e11). `undefined` when
 * unparseable: the point is then scored without its time (no weekly profile).
 */
export function parseTimestamp(raw: string): number | undefined {
  const s = raw.trim().replace(/^"|"$/g, '');
  if (/^\d+(\.\d+)?$/.test(s)) {
    const num = Number(s);
    return num > 1e11 ? num : num * 1000;
  }
  const iso = s.replace(' ', 'T');
  const t = Date.parse(/(Z|[+-]\d\d:?\d\d)$/.test(iso) || !iso.includes('T') ? iso : `${iso}Z`);
  return Number.isFinite(t) ? t : undefined;
}

/** Scores one CSV file into another; resolves to the number of data rows. */
export async function detectFile(
  input: string,
  output: string,
  config: UnivariateConfig = DEFAULT_UNIVARIATE_CONFIG,
): Promise<number> {
  const det = createUnivariateDetector(config);
  const rl = createInterface({ input: createReadStream(input), crlfDelay: Infinity });
  const out = createWriteStream(output);
  let header: string[] | null = null;
  let ti = 0;
  let vi = 1;
  let rows = 0;
  let lineNo = 0;
  let buf = '';
  for await (const line of rl) {
    lineNo++;
    if (line.trim() === '') continue;
    const cells = line.split(',');
    if (header === null) {
      header = cells.map((c) => c.trim().toLowerCase());
      ti = header.indexOf('timestamp');
      vi = header.indexOf('value');
      if (ti < 0 || vi < 0) throw new Error(`${input}: header must have timestamp and value columns`);
      buf += 'timestamp,value,anomaly_score\n';
      continue;
    }
    const ts = cells[ti] ?? '';
    const v = Number(cells[vi]);
    if (!Number.isFinite(v)) throw new Error(`${input}:${lineNo}: value is not a number`);
    const { score } = det.update(v, parseTimestamp(ts));
    buf += `${ts},${cells[vi]},${Number(score.toFixed(6))}\n`;
    rows++;
    if (buf.length > 65536) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
  return rows;
}
