import { randomInt } from 'node:crypto';
import { parseCommandArgs } from '@paywatch/alerts/cli-args';
import { EVENT_LIMITS } from '@paywatch/contracts';
import type { SimCounts } from './counts.js';
import { writeEventsFile } from './file-writer.js';
import {
  describeIncident,
  parseDuration,
  parseIncident,
  parseTime,
  SimulatorOptionError,
  type Incident,
} from './incidents.js';
import { describeHoliday, parseHoliday, type Holiday } from './holidays.js';
import { COUNTRY_CODES } from './model.js';
import { hashString } from './prng.js';
import { sendEvents, type SendProgress } from './sender.js';

/** Streams and signal of one command run (the CLI passes process streams; tests pass buffers). */
export interface SimulateIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Stops the run cleanly. Without it, the command stops on the first SIGINT itself. */
  signal?: AbortSignal;
}

export const SIMULATE_USAGE = `Usage: paywatch simulate [options]

Generates realistic, deterministic payment events (seasonality by local time, country-specific
method mix, card brands incl. JCB and UnionPay, several currencies, provider-like declines and
latency, 3-D Secure, retries as new attempts, refunds) and either posts them to a collector's
ingest API like any client, or writes them to an NDJSON file.

Send mode (default): POST {url}/v1/events as NDJSON, paced in real time, timestamps = now.
  --url URL            Collector base URL (default http://127.0.0.1:8080)
  --key KEY            Ingest API key (sent as "Authorization: Bearer KEY")
  --rate N             Mean events per second (default 20). Seasonality moves the rate around it
                       (night trough, evening peak, weekends in each market's local time: the
                       total swings between ~0.7× and ~1.3× of N) unless --flat is given.
  --count N            Stop after N events
  --duration D         Stop after D of event time, e.g. 90s, 10m, 1h30m
  --batch N            Events per request (default 500, at most 10000)
  --unpaced            Send as fast as the collector acknowledges; event times then run from
                       now − duration (or now − count/rate) so that they end about now

File mode:
  --out FILE           Write NDJSON to FILE instead of sending (gzip when FILE ends in .gz;
                       "-" writes to stdout). Timestamps are event time, spread over --from..--to
                       at --rate events per second of event time.
  --from T, --to T     Event-time span (default -1d .. now). T: RFC 3339, epoch ms, "now", or
                       relative to now like -7d, -90m, +1h; write a value that starts with "-"
                       as --from=-7d. --to may not exceed now + 1 day. With --duration and no
                       --to, the span is --from + duration.

Common:
  --seed S             Seed (integer, or any text which is hashed). Same seed and options →
                       byte-identical events (file mode). Default: random, printed in the summary.
  --incident SPEC      Inject an incident (repeatable). SPEC is TYPE[:ARG][@START][/DURATION]:
                         provider-outage[:PROVIDER]  most attempts on PROVIDER (default stripe)
                                                     fail with provider_error / timeout
                         latency-spike[:PROVIDER]    PROVIDER latency 5–10× (default stripe)
                         card-testing[:BIN]          burst of small declined attempts on one BIN
                                                     from one device and IP (default 453201)
                         decline-shift[:FROM>TO]     most FROM declines become TO, total decline
                                                     rate unchanged (default do_not_honor>fraud_suspected)
                       START: +DURATION from the start of the run (send mode) or from --from
                       (file mode), or an RFC 3339 time; default +1m. DURATION default 5m.
                       e.g. --incident provider-outage:adyen@+2m/10m --incident card-testing@+30s/3m
  --holiday SPEC       A public holiday (repeatable). SPEC is DATE[:LEVEL][:CC,CC…]: on DATE (local
                       to each market) volume is LEVEL × normal (default 0.4) with a Sunday-shaped
                       day, in markets CC (default all; a subset also shifts the traffic mix).
                       e.g. --holiday 2026-03-05:0.4 --holiday 2026-12-25:0.3:US,GB,DE

Examples:
  paywatch simulate --key dev-key --rate 50 --incident provider-outage:stripe@+1m/5m
  paywatch simulate --out events.ndjson.gz --from=-7d --to now --rate 100 --seed 42
  --flat               No daily/weekly seasonality (a constant rate)
  --ts-format F        rfc3339 (default) or epoch_ms
  --json               Print the final report (counts included) as JSON on stdout
  -h, --help           Show this help

Exit codes: 0 done (count, duration, end of span, or interrupted with Ctrl-C), 1 the collector
refused or could not be reached, 2 bad options.
`;

const OPTIONS = {
  url: { type: 'string', default: 'http://127.0.0.1:8080' },
  key: { type: 'string' },
  rate: { type: 'string', default: '20' },
  seed: { type: 'string' },
  count: { type: 'string' },
  duration: { type: 'string' },
  batch: { type: 'string', default: '500' },
  incident: { type: 'string', multiple: true, default: [] as string[] },
  holiday: { type: 'string', multiple: true, default: [] as string[] },
  out: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  flat: { type: 'boolean', default: false },
  unpaced: { type: 'boolean', default: false },
  'ts-format': { type: 'string', default: 'rfc3339' },
  json: { type: 'boolean', default: false },
} as const;

function positive(option: string, raw: string, integer: boolean, max = Infinity): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)) || n > max) {
    throw new SimulatorOptionError(
      option,
      `expected a positive ${integer ? 'integer' : 'number'}${max < Infinity ? ` up to ${max}` : ''}, got "${raw}"`,
    );
  }
  return n;
}

/** `--seed`: an unsigned 32-bit integer as given, or any other text hashed to one. */
export function parseSeed(raw: string): number {
  return /^\d+$/.test(raw) && Number(raw) < 2 ** 32 ? Number(raw) : hashString(raw);
}

function formatCounts(c: SimCounts): string {
  const rate = c.attempts === 0 ? 'n/a' : `${((100 * c.succeeded) / c.attempts).toFixed(2)}%`;
  const gmv = Object.entries(c.gmv_minor)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([cur, v]) => `${cur} ${v}`)
    .join(', ');
  return [
    `  events ${c.events}, attempts ${c.attempts}, succeeded ${c.succeeded}, failed ${c.failed} (success ${rate})`,
    `  gmv (minor units) ${gmv || '-'}`,
  ].join('\n');
}

/**
 * `paywatch simulate`: parses options, runs send or file mode, prints a summary (or `--json`),
 * returns the exit code. Never calls process.exit.
 */
export async function simulateCommand(argv: string[], io: SimulateIO): Promise<number> {
  const parsed = parseCommandArgs(
    { command: 'simulate', help: SIMULATE_USAGE, options: OPTIONS, onParseError: 'hint' },
    argv,
    io,
  );
  if (parsed.kind !== 'parsed') return parsed.exitCode;
  const { values } = parsed.args;

  const now = Date.now();
  let rate: number, batch: number, count: number | undefined, durationMs: number | undefined;
  let from = now - 86_400_000;
  let to = now;
  let incidents: Incident[];
  let holidays: Holiday[];
  // Event time of the first sent event (incidents are relative to it); `now` unless --unpaced.
  let sendStart = now;
  const fileMode = values.out !== undefined;
  const tsFormat = values['ts-format'];
  try {
    rate = positive('--rate', values.rate, false);
    batch = positive('--batch', values.batch, true, 10_000);
    count = values.count === undefined ? undefined : positive('--count', values.count, true);
    if (values.duration !== undefined) {
      durationMs = parseDuration(values.duration);
      if (!(durationMs > 0))
        throw new SimulatorOptionError(
          '--duration',
          `expected a duration like 90s, 10m, 1h30m, got "${values.duration}"`,
        );
    }
    if (tsFormat !== 'rfc3339' && tsFormat !== 'epoch_ms') {
      throw new SimulatorOptionError('--ts-format', `expected rfc3339 or epoch_ms, got "${tsFormat}"`);
    }
    if (!URL.canParse(values.url) || !/^https?:$/.test(new URL(values.url).protocol)) {
      throw new SimulatorOptionError('--url', `expected an http(s) URL, got "${values.url}"`);
    }
    if (fileMode) {
      if (values.from !== undefined) from = parseTime(values.from, now);
      if (Number.isNaN(from))
        throw new SimulatorOptionError(
          '--from',
          `expected RFC 3339, epoch ms, "now" or like -7d, got "${values.from}"`,
        );
      if (values.to !== undefined) to = parseTime(values.to, now);
      if (Number.isNaN(to))
        throw new SimulatorOptionError(
          '--to',
          `expected RFC 3339, epoch ms, "now" or like -7d, got "${values.to}"`,
        );
      if (durationMs !== undefined && values.to === undefined) to = from + durationMs;
      if (!(to > from)) throw new SimulatorOptionError('--to', 'must be after --from');
      if (from < EVENT_LIMITS.minTs)
        throw new SimulatorOptionError(
          '--from',
          'must not be before 2000-01-01 (the collector rejects such events)',
        );
      if (to > now + EVENT_LIMITS.maxFutureMs)
        throw new SimulatorOptionError(
          '--to',
          'must not be more than 1 day in the future (the collector rejects such events)',
        );
    } else if (values.from !== undefined || values.to !== undefined) {
      throw new SimulatorOptionError(
        values.from !== undefined ? '--from' : '--to',
        'only applies with --out (send mode uses live timestamps)',
      );
    }
    if (values.unpaced && !fileMode) {
      sendStart = Math.floor(now - (durationMs ?? (count !== undefined ? (count / rate) * 1000 : 0)));
    }
    const base = fileMode ? from : sendStart;
    incidents = values.incident.map((spec) => parseIncident(spec, base));
    holidays = values.holiday.map((spec) => parseHoliday(spec, COUNTRY_CODES));
  } catch (e) {
    if (e instanceof SimulatorOptionError) {
      io.stderr.write(`paywatch simulate: ${e.message}\nRun "paywatch simulate --help" for the options.\n`);
      return 2;
    }
    throw e;
  }
  const seed = values.seed !== undefined ? parseSeed(values.seed) : randomInt(0, 2 ** 32);
  const common = { seed, rate, incidents, holidays, seasonality: !values.flat, tsFormat } as const;

  // Stop cleanly on Ctrl-C unless the caller owns the lifecycle.
  const ac = new AbortController();
  const onSigint = (): void => ac.abort();
  const signal = io.signal ?? ac.signal;
  if (!io.signal) process.once('SIGINT', onSigint);
  const log = (line: string): void => void io.stderr.write(`${line}\n`);
  for (const i of incidents) log(`incident ${describeIncident(i)}`);
  for (const h of holidays) log(describeHoliday(h));

  try {
    if (fileMode) {
      const out = values.out as string;
      const toStdout = out === '-';
      const report = await writeEventsFile({
        ...common,
        from,
        to,
        signal,
        ...(toStdout ? { stream: io.stdout } : { path: out }),
        ...(count !== undefined ? { count } : {}),
      });
      if (values.json) {
        if (!toStdout)
          io.stdout.write(
            `${JSON.stringify({ mode: 'file', seed, incidents: incidents.map(describeIncident), ...report })}\n`,
          );
        else
          log(JSON.stringify({ mode: 'file', seed, incidents: incidents.map(describeIncident), ...report }));
      } else {
        log(
          `wrote ${report.events} events (${(report.bytes / 1e6).toFixed(1)} MB NDJSON${report.gzip ? ', gzip' : ''}) to ${report.path} ` +
            `in ${(report.elapsed_ms / 1000).toFixed(1)} s: ${report.events_per_s} events/s ` +
            `(${Math.round(report.events / Math.max(report.cpu_ms / 1000, 1e-3))} per CPU-second); seed ${seed}` +
            `${report.aborted ? ' (interrupted)' : ''}\n${formatCounts(report.counts)}`,
        );
      }
      return 0;
    }

    let lastLog = Date.now();
    const progress = (p: SendProgress): void => {
      if (values.json || Date.now() - lastLog < 5000) return;
      lastLog = Date.now();
      log(
        `sent ${p.accepted + p.duplicate} events (${p.accepted} accepted, ${p.duplicate} duplicate, ${p.rejected} rejected, ${p.retries} retries)`,
      );
    };
    if (!values.json)
      log(`simulate: sending to ${values.url} at ~${rate} events/s, seed ${seed} (Ctrl-C stops)`);
    const report = await sendEvents({
      ...common,
      url: values.url,
      ...(values.key !== undefined ? { key: values.key } : {}),
      paced: !values.unpaced,
      start: sendStart,
      batchSize: batch,
      ...(count !== undefined ? { count } : {}),
      ...(durationMs !== undefined ? { durationMs } : {}),
      signal,
      onProgress: progress,
      onRetry: ({ attempt, waitMs, reason }) => {
        if (!values.json) log(`retry ${attempt} in ${(waitMs / 1000).toFixed(1)} s: ${reason}`);
      },
    });
    if (values.json) {
      io.stdout.write(
        `${JSON.stringify({ mode: 'send', incidents: incidents.map(describeIncident), ...report })}\n`,
      );
    } else {
      io.stdout.write(
        `stopped (${report.stopped}) after ${(report.elapsed_ms / 1000).toFixed(1)} s: ${report.accepted} accepted, ` +
          `${report.duplicate} duplicate, ${report.rejected} rejected, ${report.retries} retries; seed ${seed}\n` +
          `${formatCounts(report.counts)}\n`,
      );
    }
    if (report.error !== undefined) log(`paywatch simulate: ${report.error}`);
    return report.stopped === 'error' ? 1 : 0;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
