import type { Matcher } from '../mute/matchers.js';
import { matchesAll } from '../mute/matchers.js';

/** One escalation step: unacknowledged after `after_ms` of firing → also notify `receiver`. */
export interface EscalationStep {
  after_ms: number;
  receiver: string;
}

/**
 * A node of the Alertmanager-style route tree, with inherited settings resolved. An alert
 * enters at the root and descends depth-first into the first matching child (more with
 * `continue`); when no child matches, the node itself handles it.
 */
export interface Route {
  /** Path in the tree ("0", "0.1", …): part of group keys. */
  id: string;
  receiver: string;
  matchers: Matcher[];
  /** Labels to group by; ['...'] groups by all labels. */
  group_by: string[];
  group_wait_ms: number;
  group_interval_ms: number;
  repeat_interval_ms: number;
  continue: boolean;
  escalate: EscalationStep[];
  routes: Route[];
}

/** Route settings as configured (every field optional below the root). */
export interface RouteInput {
  receiver?: string | undefined;
  matchers?: Matcher[] | undefined;
  group_by?: string[] | undefined;
  group_wait_ms?: number | undefined;
  group_interval_ms?: number | undefined;
  repeat_interval_ms?: number | undefined;
  continue?: boolean | undefined;
  escalate?: EscalationStep[] | undefined;
  routes?: RouteInput[] | undefined;
}

const ROOT_DEFAULTS = {
  group_by: ['alertname'],
  group_wait_ms: 30_000,
  group_interval_ms: 5 * 60_000,
  repeat_interval_ms: 4 * 3_600_000,
};

/** Resolves inheritance (receiver, grouping, timings, escalation) down the tree. */
export function buildRoute(input: RouteInput, parent?: Route, id = '0'): Route {
  const receiver = input.receiver ?? parent?.receiver;
  if (!receiver) throw new RangeError('the root route needs a receiver');
  const r: Route = {
    id,
    receiver,
    matchers: input.matchers ?? [],
    group_by: input.group_by ?? parent?.group_by ?? ROOT_DEFAULTS.group_by,
    group_wait_ms: input.group_wait_ms ?? parent?.group_wait_ms ?? ROOT_DEFAULTS.group_wait_ms,
    group_interval_ms:
      input.group_interval_ms ?? parent?.group_interval_ms ?? ROOT_DEFAULTS.group_interval_ms,
    repeat_interval_ms:
      input.repeat_interval_ms ?? parent?.repeat_interval_ms ?? ROOT_DEFAULTS.repeat_interval_ms,
    continue: input.continue ?? false,
    escalate: input.escalate ?? parent?.escalate ?? [],
    routes: [],
  };
  r.routes = (input.routes ?? []).map((c, i) => buildRoute(c, r, `${id}.${i}`));
  return r;
}

/** The routes that handle an alert with these labels (Alertmanager semantics). */
export function matchRoutes(route: Route, labels: Readonly<Record<string, string>>): Route[] {
  if (!matchesAll(route.matchers, labels)) return [];
  const out: Route[] = [];
  for (const child of route.routes) {
    const m = matchRoutes(child, labels);
    if (m.length) {
      out.push(...m);
      if (!child.continue) break;
    }
  }
  return out.length ? out : [route];
}

/** The group labels of an alert under a route. */
export function groupLabels(route: Route, labels: Readonly<Record<string, string>>): Record<string, string> {
  if (route.group_by.includes('...')) return { ...labels };
  const out: Record<string, string> = {};
  for (const l of route.group_by) if (labels[l] !== undefined) out[l] = labels[l];
  return out;
}
