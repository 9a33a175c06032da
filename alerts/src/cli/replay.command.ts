import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { PaymentEvent } from '@paywatch/contracts';
import { loadAlertsConfig } from '../config/load.js';
import { createAlertEngine } from '../engine/engine.js';
import type { AlertTransition } from '../engine/engine.js';
import { normalizeReplayRecord } from '../input/normalize.js';
import { createMemoryAlertStateStore } from '../state/store.js';
import type { CliIo } from './io.js';
import { parseCommandArgs } from './args.js';

const USAGE = `usage: paywatch replay --in events.ndjson[.gz] --alerts-out alerts.jsonl [--rules rules.yaml]
  Feeds historical payment events through the alert detectors in event time (no server, no
  notifications) and writes one JSON line per alert transition:
  {"rule","labels","state","at","value","expected","revenue_at_risk"}
  --rules FILE   alert rules YAML (default: the built-in rule pack)
  --quiet        no progress output
`;

/** Injectable parts (the collector can pass its own normalize pipeline; tests a fixed clock). */
export interface ReplayDeps {
  normalize?: (raw: unknown, receivedAt: number) => PaymentEvent | string;
  /** Values for ${NAME} placeholders in the rules file (the caller's config passes process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  now?: () => number;
}

/** The JSON line written per transition. */
export function transitionLine(t: AlertTransition): string {
  const labels = { ...t.labels };
  delete labels['alertname'];
  return JSON.stringify({
    rule: t.rule,
    labels,
    state: t.state,
    at: new Date(t.at).toISOString(),
    value: t.value,
    expected: t.expected,
    revenue_at_risk: t.revenue_at_risk,
    severity: t.severity,
    summary: t.summary,
  });
}

/** `paywatch replay`. Returns the exit code: 0 ok, 1 failure, 2 usage. */
export async function replayCommand(
  argv: readonly string[],
  io: CliIo,
  deps: ReplayDeps = {},
): Promise<number> {
  const args = parseCommandArgs(
    {
      command: 'replay',
      help: USAGE,
      options: {
        in: { type: 'string' },
        'alerts-out': { type: 'string' },
        rules: { type: 'string' },
        quiet: { type: 'boolean', default: false },
      },
    },
    argv,
    io,
  );
  if (args.kind !== 'parsed') return args.exitCode;
  const { in: input, 'alerts-out': output, rules, quiet } = args.args.values;
  if (input === undefined || output === undefined) {
    io.stderr.write(USAGE);
    return 2;
  }
  const normalize = deps.normalize ?? normalizeReplayRecord;
  const now = deps.now ?? Date.now;
  let config;
  try {
    config = loadAlertsConfig(rules, deps.env ?? {});
  } catch (e) {
    io.stderr.write(`paywatch replay: ${(e as Error).message}\n`);
    return 1;
  }
  const engine = createAlertEngine({ store: createMemoryAlertStateStore() }, config);
  const out = createWriteStream(output);
  let transitions = 0;
  const counts: Record<string, number> = {};
  engine.onTransition((t) => {
    transitions++;
    counts[`${t.rule}:${t.state}`] = (counts[`${t.rule}:${t.state}`] ?? 0) + 1;
    out.write(transitionLine(t) + '\n');
  });
  let total = 0;
  try {
    total = statSync(input).size;
  } catch {
    io.stderr.write(`paywatch replay: cannot read ${input}\n`);
    return 1;
  }
  const raw = createReadStream(input);
  let bytes = 0;
  raw.on('data', (c: string | Buffer) => (bytes += c.length));
  const stream = input.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  const showProgress = !quiet && io.stderr.isTTY === true;
  let lastDraw = 0;
  let lineNo = 0;
  let invalid = 0;
  let firstError = '';
  let batch: PaymentEvent[] = [];
  const t0 = now();
  try {
    for await (const line of rl) {
      lineNo++;
      if (!line.trim()) continue;
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch {
        invalid++;
        firstError ||= `line ${lineNo}: not JSON`;
        continue;
      }
      const ev = normalize(obj, now());
      if (typeof ev === 'string') {
        invalid++;
        firstError ||= `line ${lineNo}: ${ev}`;
        continue;
      }
      batch.push(ev);
      if (batch.length >= 2000) {
        engine.onEvents(batch);
        batch = [];
        if (showProgress && now() - lastDraw > 200) {
          lastDraw = now();
          const pct = total > 0 ? Math.min(100, (bytes / total) * 100) : 0;
          const bar = '█'.repeat(Math.round(pct / 4)).padEnd(25, '░');
          io.stderr.write(
            `\r${bar} ${pct.toFixed(0).padStart(3)}%  ${lineNo} events  ${transitions} transitions`,
          );
        }
      }
    }
    if (batch.length) engine.onEvents(batch);
    engine.finish();
  } catch (e) {
    io.stderr.write(`\npaywatch replay: ${(e as Error).message}\n`);
    return 1;
  }
  out.end();
  await once(out, 'finish');
  const st = engine.stats();
  if (showProgress) io.stderr.write('\r' + ' '.repeat(80) + '\r');
  const secs = (now() - t0) / 1000;
  io.stderr.write(
    `paywatch replay: ${st.events} events (${invalid} invalid${firstError ? `, first: ${firstError}` : ''}, ${st.late_events} late) in ${secs.toFixed(1)} s; ` +
      `${transitions} transitions → ${output}\n` +
      Object.entries(counts)
        .sort()
        .map(([k, v]) => `  ${k} ${v}\n`)
        .join('') +
      (st.fx_missing.length
        ? `  no FX rate for: ${st.fx_missing.join(', ')} (counted as 0 in revenue at risk)\n`
        : ''),
  );
  return 0;
}
