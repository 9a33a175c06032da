import { userInfo } from 'node:os';
import { parseDuration } from '../lib/duration.js';
import { MAX_SILENCE_MS, MAX_SILENCE_TEXT, silenceState } from '../mute/silences.js';
import { parseMatcher } from '../mute/matchers.js';
import type { Matcher } from '../mute/matchers.js';
import type { Silence } from '../mute/silences.js';
import { UsageError, parseCommandArgs } from './args.js';
import type { CliIo } from './io.js';

export const SILENCE_USAGE = `Usage: paywatch silence <add|list|expire> [options]

Silences mute notifications of matching alerts until they expire (a resolve still reaches whoever
heard the firing). The command talks to a running collector (or \`paywatch alerts\` service) over
its HTTP API (/api/v1/silences).

  paywatch silence add --matcher provider=adyen [--matcher …] --duration 2h --reason "…" [--author NAME]
  paywatch silence list [--all] [--json]
  paywatch silence expire ID

add:
  --matcher M          Label matcher (repeatable, all must match): name=value, name!=value,
                       name=~regex, name!~regex (regexes anchored; quote values with spaces)
  --duration D         How long, from now: 30m, 2h, 1h30m, 1d (at most 90d)
  --reason TEXT        Why (shown with the silence; required)
  --author NAME        Who (default: the local user name). A collector records the caller's
                       identity (key:<name> for an API key) instead, and this prints it.
list:
  --all                Also expired silences (default: active and pending ones)
  --json               Print the API's JSON
Common:
  --url URL            Collector base URL (default http://127.0.0.1:8080). With a standalone
                       \`paywatch alerts\`, point at a collector (it proxies the API with its
                       roles and audit), or at the service itself (:9095) with its token as --key
  --key KEY            API key of an on-call or admin (sent as "Authorization: Bearer KEY");
                       listing needs a viewer
  -h, --help           Show this help

Exit codes: 0 done, 1 the server refused or could not be reached, 2 bad options.
`;

const OPTIONS = {
  url: { type: 'string', default: 'http://127.0.0.1:8080' },
  key: { type: 'string' },
  matcher: { type: 'string', multiple: true, default: [] as string[] },
  duration: { type: 'string' },
  reason: { type: 'string' },
  author: { type: 'string' },
  all: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;

/** What `paywatch silence` was asked to do, checked. */
type SilenceAction =
  | { op: 'add'; matchers: string[]; duration: string; durationMs: number; reason: string; author: string }
  | { op: 'list'; all: boolean; json: boolean }
  | { op: 'expire'; id: string };

interface SilenceArgs {
  base: string;
  key: string | undefined;
  action: SilenceAction;
}

/** Options that belong to one subcommand only: given to another, they are a usage error. */
const ONLY: Record<string, 'add' | 'list'> = {
  matcher: 'add',
  duration: 'add',
  reason: 'add',
  author: 'add',
  all: 'list',
  json: 'list',
};

function check(values: Record<string, unknown>, positionals: string[], argv: readonly string[]): SilenceArgs {
  const [op, ...rest] = positionals;
  if (op !== 'add' && op !== 'list' && op !== 'expire')
    throw new UsageError(
      op === undefined
        ? 'missing subcommand (add, list or expire)'
        : `unknown subcommand "${op}" (add, list or expire)`,
      { showHelp: true },
    );
  for (const [flag, owner] of Object.entries(ONLY))
    if (owner !== op && argv.some((a) => a === `--${flag}` || a.startsWith(`--${flag}=`)))
      throw new UsageError(`--${flag} is an option of "silence ${owner}", not of "silence ${op}"`);
  const url = String(values['url']);
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
    throw new UsageError(`--url: expected an http(s) URL, got "${url}"`);
  const base = url.replace(/\/+$/, '');
  const key = values['key'] as string | undefined;
  if (key !== undefined && !key.trim()) throw new UsageError('--key is empty');
  if (op === 'expire') {
    if (rest.length !== 1 || !rest[0]?.trim())
      throw new UsageError('expire takes one silence ID (see "paywatch silence list")');
    return { base, key, action: { op, id: rest[0] } };
  }
  if (rest.length) throw new UsageError(`unexpected argument "${rest[0]}"`);
  if (op === 'list')
    return { base, key, action: { op, all: values['all'] === true, json: values['json'] === true } };
  const matchers = values['matcher'] as string[];
  if (!matchers.length) throw new UsageError('--matcher is required (e.g. --matcher provider=adyen)');
  for (const m of matchers) {
    try {
      parseMatcher(m);
    } catch (e) {
      throw new UsageError(`--matcher: ${(e as Error).message}`);
    }
  }
  const duration = values['duration'] as string | undefined;
  if (duration === undefined) throw new UsageError('--duration is required (e.g. --duration 2h)');
  let durationMs: number;
  try {
    durationMs = parseDuration(duration);
  } catch (e) {
    throw new UsageError(`--duration: ${(e as Error).message}`);
  }
  if (!(durationMs > 0)) throw new UsageError('--duration must be longer than 0');
  if (durationMs > MAX_SILENCE_MS) throw new UsageError(`--duration may be at most ${MAX_SILENCE_TEXT}`);
  const reason = (values['reason'] as string | undefined)?.trim();
  if (!reason) throw new UsageError('--reason is required (why the alerts are muted)');
  const given = values['author'] as string | undefined;
  if (given !== undefined && !given.trim()) throw new UsageError('--author is empty');
  const author = given?.trim() || localUser();
  return { base, key, action: { op, matchers, duration, durationMs, reason, author } };
}

function localUser(): string {
  try {
    return userInfo().username || 'paywatch-cli';
  } catch {
    return 'paywatch-cli';
  }
}

/** A failure of the server or the connection: printed, exit 1. */
class RequestFailed extends Error {}

async function call(a: SilenceArgs, method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = {};
  if (a.key !== undefined) headers['authorization'] = `Bearer ${a.key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${a.base}/api/v1${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new RequestFailed(
      `cannot reach ${a.base} (--url): ${cause?.code ?? cause?.message ?? (e as Error).message}`,
    );
  }
  if (res.ok) return res;
  let detail = '';
  try {
    const j = (await res.json()) as { error?: { message?: string; field?: string } | string };
    detail = typeof j.error === 'string' ? j.error : (j.error?.message ?? '');
  } catch {
    detail = res.statusText;
  }
  const hint =
    res.status === 401
      ? a.key === undefined
        ? ' (pass an API key with --key)'
        : ' (--key was not accepted)'
      : res.status === 403
        ? ' (the --key lacks the on-call role)'
        : '';
  throw new RequestFailed(`${method} ${path}: HTTP ${res.status}${detail ? ` ${detail}` : ''}${hint}`);
}

const iso = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
const matcherText = (m: Matcher) => `${m.name}${m.op}"${m.value.replace(/(["\\])/g, '\\$1')}"`;

/** One table of silences, newest end first. */
function table(items: Silence[], now: number): string {
  if (!items.length) return 'no silences\n';
  const rows = items.map((s) => [
    s.id,
    silenceState(s, now),
    iso(s.ends_at),
    s.created_by,
    s.matchers.map(matcherText).join(','),
    s.comment,
  ]);
  const head = ['ID', 'STATE', 'ENDS', 'AUTHOR', 'MATCHERS', 'REASON'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

/**
 * `paywatch silence add|list|expire`: manages silences of a running collector or alerts service
 * over its HTTP API. Returns the exit code (0 done, 1 refused/unreachable, 2 usage error).
 */
export async function silenceCommand(
  argv: readonly string[],
  io: CliIo,
  deps: { now?: () => number } = {},
): Promise<number> {
  const now = deps.now ?? Date.now;
  const a = parseCommandArgs(
    {
      command: 'silence',
      help: SILENCE_USAGE,
      options: OPTIONS,
      allowPositionals: true,
      onParseError: 'hint',
      check: (p) => check(p.values, p.positionals, argv),
    },
    argv,
    io,
  );
  if (a.kind !== 'parsed') return a.exitCode;
  const args = a.args;
  try {
    const act = args.action;
    if (act.op === 'add') {
      const res = await call(args, 'POST', '/silences', {
        matchers: act.matchers,
        duration: act.duration,
        comment: act.reason,
        created_by: act.author,
      });
      const s = (await res.json()) as Silence;
      io.stdout.write(`${s.id}\n`);
      io.stderr.write(
        `paywatch silence: ${s.matchers.map(matcherText).join(',')} silenced until ${iso(s.ends_at)} by ${s.created_by}\n`,
      );
      if (s.created_by !== act.author)
        io.stderr.write(
          `paywatch silence: the server recorded the author as "${s.created_by}" (the signed-in identity)\n`,
        );
      return 0;
    }
    if (act.op === 'list') {
      const res = await call(args, 'GET', '/silences');
      const { items } = (await res.json()) as { items: Silence[] };
      const t = now();
      const shown = items
        .filter((s) => act.all || silenceState(s, t) !== 'expired')
        .sort((x, y) => y.ends_at - x.ends_at);
      io.stdout.write(act.json ? `${JSON.stringify({ items: shown }, null, 2)}\n` : table(shown, t));
      return 0;
    }
    await call(args, 'DELETE', `/silences/${encodeURIComponent(act.id)}`);
    io.stderr.write(`paywatch silence: expired ${act.id}\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof RequestFailed)) throw e;
    io.stderr.write(`paywatch silence: ${e.message}\n`);
    return 1;
  }
}
