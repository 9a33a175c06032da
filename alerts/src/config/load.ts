import { readFileSync } from 'node:fs';
import { LineCounter, isNode, parseDocument } from 'yaml';
import type { z } from 'zod';
import { AlertsConfigSchema } from './schema.js';
import type { AlertsConfig } from './schema.js';
import { parseDuration } from '../lib/duration.js';
import { parseMatcher } from '../mute/matchers.js';
import { buildRoute } from '../route/route.js';
import type { Route, RouteInput } from '../route/route.js';
import { DEFAULT_RULES_YAML } from './default-rules.js';

/** One configuration problem, located in the file. */
export interface ConfigIssue {
  path: string;
  line: number | null;
  column: number | null;
  message: string;
}

/** The configuration file is invalid; `issues` name each path and line. */
export class AlertsConfigError extends Error {
  readonly issues: ConfigIssue[];
  constructor(source: string, issues: ConfigIssue[]) {
    super(
      `${source}: invalid alerts configuration:\n` +
        issues
          .map(
            (i) =>
              `  ${source}${i.line !== null ? `:${i.line}:${i.column}` : ''} ${i.path || '(root)'}: ${i.message}`,
          )
          .join('\n'),
    );
    this.name = 'AlertsConfigError';
    this.issues = issues;
  }
}

/** A validated configuration with the route tree built. */
export interface LoadedAlertsConfig extends AlertsConfig {
  routeTree: Route;
  /** The file itself sets `reporting_currency` (its `fx` rates are then in that currency). */
  reporting_currency_set?: boolean;
}

/**
 * Parses and validates alerts YAML. `${NAME}` placeholders are replaced from `env` (given by
 * the caller's config.ts: this module never reads process.env); an unset variable is an error.
 */
export function parseAlertsConfig(
  text: string,
  opts: { source?: string; env?: Readonly<Record<string, string | undefined>> } = {},
): LoadedAlertsConfig {
  const source = opts.source ?? 'alerts.yaml';
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const pos = (offset: number | undefined) =>
    offset === undefined
      ? { line: null, column: null }
      : (({ line, col }) => ({ line, column: col }))(lc.linePos(offset));
  if (doc.errors.length) {
    throw new AlertsConfigError(
      source,
      doc.errors.map((e) => ({ path: '', ...pos(e.pos[0]), message: e.message.split('\n')[0] ?? e.message })),
    );
  }
  const missing: ConfigIssue[] = [];
  const raw: unknown = doc.toJS();
  const substituted = substitute(raw, opts.env ?? {}, [], (path, name) => {
    const node = doc.getIn(path, true);
    missing.push({
      path: path.join('.'),
      ...pos(isNode(node) ? node.range?.[0] : undefined),
      message: `environment variable ${name} is not set`,
    });
  });
  if (missing.length) throw new AlertsConfigError(source, missing);
  const parsed = AlertsConfigSchema.safeParse(substituted ?? {});
  if (!parsed.success)
    throw new AlertsConfigError(
      source,
      parsed.error.issues.flatMap((i) =>
        // A misspelt key is named at its own line (not at the start of the object holding it).
        i.code === 'unrecognized_keys'
          ? i.keys.map((k) =>
              issueAt({ ...i, path: [...i.path, k], message: `unknown key "${k}"` }, doc, pos),
            )
          : [issueAt(i, doc, pos)],
      ),
    );
  const cfg = parsed.data;
  const issues: ConfigIssue[] = [];
  const at = (path: (string | number)[], message: string) => {
    const node = doc.getIn(path, true);
    issues.push({ path: path.join('.'), ...pos(isNode(node) ? node.range?.[0] : undefined), message });
  };
  // Cross-references.
  const receivers = new Set(cfg.receivers.map((r) => r.name));
  const names = new Set<string>();
  cfg.rules.forEach((r, i) => {
    if (names.has(r.name)) at(['rules', i, 'name'], `duplicate rule name "${r.name}"`);
    names.add(r.name);
    for (const [j, p] of r.pool.entries())
      if (!r.group_by.includes(p)) at(['rules', i, 'pool', j], `pooled dimension "${p}" must be in group_by`);
  });
  const receiverNames = new Set<string>();
  cfg.receivers.forEach((r, i) => {
    if (receiverNames.has(r.name)) at(['receivers', i, 'name'], `duplicate receiver name "${r.name}"`);
    receiverNames.add(r.name);
    if (r.fallback && !receivers.has(r.fallback))
      at(['receivers', i, 'fallback'], `unknown receiver "${r.fallback}"`);
  });
  let routeTree: Route | undefined;
  const rootIn = cfg.route ?? { receiver: cfg.receivers[0]?.name ?? 'default' };
  const conv = (r: NonNullable<AlertsConfig['route']>, path: (string | number)[]): RouteInput => {
    if (r.receiver && !receivers.has(r.receiver) && cfg.route)
      at([...path, 'receiver'], `unknown receiver "${r.receiver}"`);
    const out: RouteInput = { receiver: r.receiver, group_by: r.group_by, continue: r.continue };
    // Each value is checked where it is written, so the error names its key and line.
    const check = <T>(where: (string | number)[], f: () => T): T | undefined => {
      try {
        return f();
      } catch (e) {
        at(where, (e as Error).message);
        return undefined;
      }
    };
    out.matchers = (r.matchers ?? []).flatMap(
      (m, k) => check([...path, 'matchers', k], () => [parseMatcher(m)]) ?? [],
    );
    for (const key of ['group_wait', 'group_interval', 'repeat_interval'] as const) {
      const v = r[key];
      if (v === undefined) continue;
      const ms = check([...path, key], () => parseDuration(v));
      // Alertmanager refuses zero too: a group flushed on every tick re-sends (and retries) without pause.
      if (ms !== undefined && (ms < 0 || (ms === 0 && key !== 'group_wait')))
        at([...path, key], `${key} must be greater than 0`);
      out[`${key}_ms`] = ms;
    }
    if (r.escalate)
      out.escalate = r.escalate.flatMap((e, k) => {
        const after_ms = check([...path, 'escalate', k, 'after'], () => parseDuration(e.after));
        return after_ms === undefined ? [] : [{ after_ms, receiver: e.receiver }];
      });
    for (const [k, e] of (r.escalate ?? []).entries())
      if (!receivers.has(e.receiver))
        at([...path, 'escalate', k, 'receiver'], `unknown receiver "${e.receiver}"`);
    out.routes = (r.routes ?? []).map((c, k) => conv(c, [...path, 'routes', k]));
    return out;
  };
  try {
    routeTree = buildRoute(conv(rootIn, ['route']));
  } catch (e) {
    at(['route'], (e as Error).message);
  }
  if (issues.length || !routeTree) throw new AlertsConfigError(source, issues);
  return { ...cfg, routeTree, reporting_currency_set: doc.has('reporting_currency') };
}

function issueAt(
  i: z.core.$ZodIssue,
  doc: ReturnType<typeof parseDocument>,
  pos: (o: number | undefined) => { line: number | null; column: number | null },
): ConfigIssue {
  // Walk up the path until a node exists (a missing key is reported at its parent).
  const path = i.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node)) return { path: path.join('.'), ...pos(node.range?.[0]), message: i.message };
  }
  return { path: path.join('.'), line: null, column: null, message: i.message };
}

function substitute(
  v: unknown,
  env: Readonly<Record<string, string | undefined>>,
  path: (string | number)[],
  onMissing: (path: (string | number)[], name: string) => void,
): unknown {
  if (typeof v === 'string') {
    return v.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (_, name: string) => {
      const val = env[name];
      if (val === undefined) {
        onMissing(path, name);
        return '';
      }
      return val;
    });
  }
  if (Array.isArray(v)) return v.map((x, i) => substitute(x, env, [...path, i], onMissing));
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, substitute(x, env, [...path, k], onMissing)]),
    );
  return v;
}

/** Reads and validates a YAML file; with no path, the default rule pack. */
export function loadAlertsConfig(
  path: string | undefined,
  env: Readonly<Record<string, string | undefined>> = {},
): LoadedAlertsConfig {
  if (!path) return parseAlertsConfig(DEFAULT_RULES_YAML, { source: 'default-rules.yaml', env });
  return parseAlertsConfig(readFileSync(path, 'utf8'), { source: path, env });
}
