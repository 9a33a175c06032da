// Guards the provisioned Grafana dashboards and the alert rules against real metrics: a Prometheus started with grafana/prometheus/prometheus.yml scrapes a collector (ClickHouse store, so the spool exists) fed by the simulator and a paywatch alerts engine; every panel query and template variable returns data, every rule evaluates and names only scraped jobs and metrics.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { FAILURE_STATUSES, SUCCESS_STATUSES } from '@paywatch/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { sendEvents, type SendReport } from '../src/simulator/sender.js';
import { TEST_KEY } from './harness.js';
import {
  startAlertEngine,
  startClickHouseCollector,
  startPrometheus,
  waitUntil,
  type AlertEngineProcess,
  type ClickHouseCollector,
  type PrometheusProcess,
} from './scrape-harness.js';
import { REPO_DIR, promQuery } from './services.js';

const g = (...p: string[]) => path.join(REPO_DIR, 'grafana', ...p);

interface Target {
  refId: string;
  expr: string;
  legendFormat?: string;
}
interface Panel {
  id: number;
  title: string;
  targets: Target[];
}
interface TemplateVar {
  name: string;
  type: string;
  query: string | { query: string };
  includeAll?: boolean;
  allValue?: string;
}
interface Dashboard {
  uid: string;
  panels: Panel[];
  templating: { list: TemplateVar[] };
}

const dashboards = readdirSync(g('dashboards'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ file: f, d: JSON.parse(readFileSync(g('dashboards', f), 'utf8')) as Dashboard }));

/**
 * Grafana's built-in variables as Grafana would fill them for the dashboards' default range
 * (6 h on a ~1000 px panel: a 15 s step) and the data source's 15 s scrape interval
 * (datasources.yml timeInterval): $__rate_interval = max($__interval + scrape, 4 × scrape).
 */
const BUILT_INS: Record<string, string> = {
  __rate_interval: '1m',
  __interval: '15s',
  __interval_ms: '15000',
  __range: '5m',
  __range_s: '300',
  __range_ms: '300000',
};

/** Replaces `$name`, `${name}` and `[[name]]`; throws on a variable it does not know. */
function substitute(expr: string, vars: Record<string, string>): string {
  return expr.replace(
    /\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)/g,
    (_m, a?: string, b?: string, c?: string) => {
      const name = (a ?? b ?? c)!;
      const v = vars[name] ?? BUILT_INS[name];
      if (v === undefined) throw new Error(`unknown variable $${name} in ${expr}`);
      return v;
    },
  );
}

/** `label_values(metric, label)` / `label_values(label)` through Prometheus's label API. */
async function labelValues(promUrl: string, query: string): Promise<string[]> {
  const m = /^label_values\(\s*(?:([^,]+?)\s*,\s*)?(\w+)\s*\)$/.exec(query.trim());
  if (!m) throw new Error(`unsupported variable query: ${query}`);
  const match = m[1] ? `?match[]=${encodeURIComponent(m[1])}` : '';
  const res = await fetch(`${promUrl}/api/v1/label/${m[2]}/values${match}`);
  const body = (await res.json()) as { status: string; data: string[] };
  return body.data;
}

/**
 * Runs one panel target and says what is wrong with its answer, if anything: an error, no
 * series, only NaN (0/0 rates, empty histograms: Grafana shows "No data" or NaN), or a legend
 * `{{label}}` the series do not carry (a typo in `by (…)`).
 */
async function problemOf(promUrl: string, query: string, legend: string | undefined): Promise<string | null> {
  let rows: Awaited<ReturnType<typeof promQuery>>;
  try {
    rows = await promQuery(promUrl, query);
  } catch (err) {
    return `error: ${String(err)}`;
  }
  if (rows.length === 0) return 'no series';
  if (!rows.some((r) => Number.isFinite(r.value))) return 'only NaN / Inf';
  for (const [, label] of (legend ?? '').matchAll(/\{\{\s*(\w+)\s*\}\}/g))
    if (!rows.every((r) => (r.metric[label!] ?? '') !== '')) return `legend label '${label}' missing`;
  return null;
}

let c: ClickHouseCollector;
let engine: AlertEngineProcess;
let prom: PrometheusProcess;
let report: SendReport;

beforeAll(async () => {
  c = await startClickHouseCollector();
  engine = await startAlertEngine(c.storeEnv);
  // The shipped prometheus.yml with its two paywatch jobs pointed at the test's collector and
  // alert engine, a 1 s scrape and rule evaluation, the repository's rules, no Alertmanager.
  const cfg = parse(readFileSync(g('prometheus', 'prometheus.yml'), 'utf8')) as {
    global: Record<string, unknown>;
    alerting?: unknown;
    rule_files: string[];
    scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
  };
  const target = { 'paywatch-collector': c.server.url, 'paywatch-alerts': engine.url };
  cfg.scrape_configs = Object.entries(target).map(([name, url]) => {
    const job = cfg.scrape_configs.find((s) => s.job_name === name);
    if (!job) throw new Error(`prometheus.yml has no ${name} job`);
    return { ...job, static_configs: [{ ...job.static_configs[0], targets: [new URL(url).host] }] };
  });
  cfg.global = { ...cfg.global, scrape_interval: '1s', evaluation_interval: '1s' };
  cfg.rule_files = [g('prometheus', 'rules', '*.yml')];
  delete cfg.alerting;
  prom = await startPrometheus(stringify(cfg));
  // Paced over ~6 s: several scrapes see the counters move, so rates are not 0 (nor 0/0).
  report = await sendEvents({ url: c.server.url, key: TEST_KEY, seed: 77, rate: 400, count: 2400 });
  expect(report.accepted).toBe(2400);
  const total = await waitUntil(
    () => promQuery(prom.url, 'sum(paywatch_payments_total)'),
    (r) => r[0]?.value === report.accepted,
    60_000,
  );
  expect(total[0]?.value, 'the last events were scraped').toBe(report.accepted);
}, 120_000);

afterAll(async () => {
  await prom?.stop();
  await engine?.stop();
  await c?.stop();
});

describe.each(dashboards)('$file', ({ d }) => {
  it('every template variable query returns values (the providers the simulator sent)', async () => {
    for (const v of d.templating.list.filter((t) => t.type === 'query')) {
      const q = typeof v.query === 'string' ? v.query : v.query.query;
      const values = await labelValues(prom.url, q);
      expect(values.length, `variable $${v.name}: ${q}`).toBeGreaterThan(0);
      if (v.name === 'provider') expect(values.sort()).toEqual(Object.keys(report.counts.by_provider).sort());
    }
  });

  it('every panel query returns data, with "All" and with one value of each variable', async () => {
    // Each variable as "All" (its allValue, else every value joined as Grafana does), as its
    // first value and, for multi-value ones, as two values: a typo in a label name matched
    // against `.*` still matches every series, against a real value it matches none.
    const choices: Record<string, string>[] = [{}];
    for (const v of d.templating.list.filter((t) => t.type === 'query')) {
      const q = typeof v.query === 'string' ? v.query : v.query.query;
      const values = await labelValues(prom.url, q);
      const all = v.allValue ?? `(${values.join('|')})`;
      const options = [all, values[0]!, ...(values.length > 1 ? [`(${values[0]}|${values[1]})`] : [])];
      const next: Record<string, string>[] = [];
      for (const base of choices) for (const o of options) next.push({ ...base, [v.name]: o });
      choices.splice(0, choices.length, ...next);
    }
    const problems: string[] = [];
    let ran = 0;
    for (const p of d.panels)
      for (const t of p.targets) {
        // A target without variables runs once.
        const queries = new Map(choices.map((vars) => [substitute(t.expr, vars), vars]));
        for (const [query, vars] of queries) {
          const problem = await problemOf(prom.url, query, t.legendFormat);
          ran++;
          if (problem)
            problems.push(
              `panel ${p.id} '${p.title}' ${t.refId} (${JSON.stringify(vars)}): ${problem}\n  ${query}`,
            );
        }
      }
    expect(problems, problems.join('\n')).toEqual([]);
    expect(ran).toBeGreaterThanOrEqual(d.panels.length);
  });
});

describe('success rate panels', () => {
  it("count the contract's success statuses over success + failure statuses (outcomeOf)", () => {
    const set = (re: string) => [...new Set(re.split('|'))].sort();
    const success = [...SUCCESS_STATUSES].sort();
    const decided = [...SUCCESS_STATUSES, ...FAILURE_STATUSES].sort();
    const panels = dashboards.flatMap(({ d }) => d.panels.filter((p) => /success rate/i.test(p.title)));
    expect(panels.length).toBeGreaterThan(0);
    for (const p of panels)
      for (const t of p.targets) {
        const matchers = [...t.expr.matchAll(/status=~"([^"]+)"/g)].map((m) => set(m[1]!));
        expect(matchers, `panel ${p.id} '${p.title}': ${t.expr}`).toEqual([success, decided]);
      }
  });
});

describe('the checks can fail', () => {
  it('a misspelt metric, a misspelt label against a real value and a wrong legend label are reported', async () => {
    const sel = (labels: string) => `sum(rate(paywatch_payments_total{${labels}}[1m]))`;
    const oneProvider = Object.keys(report.counts.by_provider)[0]!;
    expect(await problemOf(prom.url, 'sum(rate(paywatch_payment_total[1m]))', undefined)).toBe('no series');
    expect(await problemOf(prom.url, sel(`provder=~"${oneProvider}"`), undefined)).toBe('no series');
    // …the same typo is invisible with the "All" value, hence the run with one value.
    expect(await problemOf(prom.url, sel('provder=~".*"'), undefined)).toBeNull();
    expect(
      await problemOf(prom.url, 'sum by (stauts) (rate(paywatch_payments_total[1m]))', '{{status}}'),
    ).toBe("legend label 'status' missing");
    expect(() => substitute('rate(x[$__rate_intervall])', {})).toThrow(/__rate_intervall/);
  });
});

describe('alert rules against the real metrics', () => {
  interface RuleState {
    name: string;
    type: string;
    health: string;
    lastError?: string;
    query: string;
  }
  const rules = async () => {
    const res = await fetch(`${prom.url}/api/v1/rules`);
    const body = (await res.json()) as { data: { groups: { file: string; rules: RuleState[] }[] } };
    return body.data.groups.flatMap((gr) => gr.rules.map((r) => ({ ...r, file: path.basename(gr.file) })));
  };

  it('every rule of grafana/prometheus/rules is loaded and evaluates without error', async () => {
    const loaded = await waitUntil(
      rules,
      (rs) => rs.length > 0 && rs.every((r) => r.health !== 'unknown'),
      15_000,
    );
    const files = readdirSync(g('prometheus', 'rules')).filter((f) => f.endsWith('.yml'));
    expect([...new Set(loaded.map((r) => r.file))].sort()).toEqual(files.sort());
    for (const r of loaded) expect(`${r.name}: ${r.health} ${r.lastError ?? ''}`).toBe(`${r.name}: ok `);
  });

  it('every job and metric the rules name is scraped from the collector or the alert engine', async () => {
    const loaded = await rules();
    const jobs = new Set(loaded.flatMap((r) => [...r.query.matchAll(/job="([^"]+)"/g)].map((m) => m[1]!)));
    expect([...jobs].sort()).toEqual(['paywatch-alerts', 'paywatch-collector']);
    for (const job of jobs) {
      const up = await waitUntil(
        () => promQuery(prom.url, `up{job="${job}"}`),
        (r) => r[0]?.value === 1,
        15_000,
      );
      expect(
        up.map((r) => r.value),
        `up{job="${job}"}`,
      ).toEqual([1]);
    }
    const names = new Set(
      loaded.flatMap((r) => [...r.query.matchAll(/\b(paywatch_\w+)/g)].map((m) => m[1]!)),
    );
    expect(names.size).toBeGreaterThan(0);
    for (const n of names) {
      // The feed lag is published once the engine has a position: after its first poll.
      const series = await waitUntil(
        () => promQuery(prom.url, `count({__name__="${n}", job=~"paywatch-.+"})`),
        (r) => r.length === 1,
        15_000,
      );
      expect(series.length, `${n} scraped from a paywatch job`).toBe(1);
    }
  });
});
