// Guards the deployment files: prometheus.yml and its rules pass promtool, alertmanager.yml passes amtool, docker-compose.yml passes the compose parser with the documented shape, and the Grafana provisioning fits together.
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_DIR, serviceBin } from './services.js';

const run = promisify(execFile);
const g = (...p: string[]) => path.join(REPO_DIR, 'grafana', ...p);

async function tool(name: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const bin = serviceBin(name);
  try {
    const r = await run(bin, args, { cwd: REPO_DIR, env, timeout: 60_000 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

const COMPOSE_ENV = {
  ...process.env,
  PAYWATCH_CLICKHOUSE_PASSWORD: 'ch-secret',
  PAYWATCH_HASH_KEY: 'k'.repeat(40),
  PAYWATCH_ADMIN_PASSWORD: 'admin-password-1',
  GRAFANA_ADMIN_PASSWORD: 'grafana-password',
  PAYWATCH_ALERTS_API_TOKEN: 'a'.repeat(32),
};

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: unknown;
  profiles?: string[];
  healthcheck?: { test: unknown };
  volumes?: (string | { type: string; source: string; target: string })[];
  environment?: Record<string, string | null>;
}

describe('Prometheus and Alertmanager configs', () => {
  it('prometheus.yml passes promtool and scrapes the collector and the alert engine', async () => {
    const r = await tool('promtool', ['check', 'config', g('prometheus', 'prometheus.yml')]);
    expect(r.out).toContain('SUCCESS');
    expect(r.code, r.out).toBe(0);
    const cfg = parse(readFileSync(g('prometheus', 'prometheus.yml'), 'utf8')) as {
      scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[];
    };
    const jobs = new Map(cfg.scrape_configs.map((s) => [s.job_name, s]));
    expect(jobs.get('paywatch-collector')?.metrics_path).toBe('/metrics');
    expect(jobs.get('paywatch-collector')?.static_configs[0]?.targets).toEqual(['collector:8080']);
    expect(jobs.get('paywatch-alerts')?.static_configs[0]?.targets).toEqual(['alerts:9095']);
  });

  it('every rule file passes promtool check rules', async () => {
    const files = readdirSync(g('prometheus', 'rules')).filter((f) => f.endsWith('.yml'));
    expect(files.length).toBeGreaterThan(0);
    const r = await tool('promtool', ['check', 'rules', ...files.map((f) => g('prometheus', 'rules', f))]);
    expect(r.code, r.out).toBe(0);
  });

  it('alertmanager.yml passes amtool check-config', async () => {
    const r = await tool('amtool', ['check-config', g('alertmanager', 'alertmanager.yml')]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('SUCCESS');
  });

  it('a broken config is rejected (the check can fail)', async () => {
    const r = await tool('promtool', [
      'check',
      'config',
      g('provisioning', 'datasources', 'datasources.yml'),
    ]);
    expect(r.code).not.toBe(0);
  });
});

describe('docker-compose.yml', () => {
  it('parses with the documented services, health checks, named volumes and pinned images', async () => {
    const r = await tool('docker-compose', ['-f', 'docker-compose.yml', 'config'], COMPOSE_ENV);
    expect(r.code, r.out).toBe(0);
    const cfg = parse(r.out) as {
      services: Record<string, ComposeService>;
      volumes: Record<string, unknown>;
    };
    const names = Object.keys(cfg.services).sort();
    expect(names).toEqual(
      [
        'alertmanager',
        'alerts',
        'clickhouse',
        'collector',
        'dashboard',
        'grafana',
        'prometheus',
        'redis',
      ].sort(),
    );
    for (const [name, s] of Object.entries(cfg.services)) {
      expect(s.healthcheck?.test, `${name} health check`).toBeDefined();
      if (s.image && !s.build && name !== 'alerts')
        expect(s.image, `${name} image pinned`).toMatch(/:[0-9v][\w.-]*$/);
    }
    expect(cfg.services.redis?.profiles).toEqual(['scale-out']);
    expect(cfg.services.clickhouse?.image).toMatch(/^clickhouse\/clickhouse-server:\d+\.\d+/);
    expect(Object.keys(cfg.volumes).sort()).toEqual(
      [
        'alertmanager-data',
        'alerts-data',
        'clickhouse-data',
        'clickhouse-logs',
        'collector-data',
        'grafana-data',
        'prometheus-data',
      ].sort(),
    );
    const env = cfg.services.collector?.environment ?? {};
    expect(env).toMatchObject({
      PAYWATCH_STORE: 'clickhouse',
      PAYWATCH_CLICKHOUSE_URL: 'http://clickhouse:8123',
      PAYWATCH_CLICKHOUSE_PASSWORD: 'ch-secret',
      PAYWATCH_CLICKHOUSE_DATABASE: 'paywatch',
      PAYWATCH_SPOOL_DIR: '/data/spool',
    });
    // One standalone alert engine reads the shared store; the collectors do not alert themselves.
    expect(env.PAYWATCH_ALERTS_ENABLED).toBe('false');
    expect(env.PAYWATCH_ALERTS_URL).toBe('http://alerts:9095');
    expect(cfg.services.alerts?.command).toEqual(['node', 'collector/bin/paywatch.mjs', 'alerts']);
    expect(cfg.services.alerts?.environment).toMatchObject({
      PAYWATCH_STORE: 'clickhouse',
      PAYWATCH_ALERTS_PORT: '9095',
      PAYWATCH_ALERTS_API_TOKEN: 'a'.repeat(32),
    });
    // Alert deep links open the dashboard service as published, not the collector (--no-dashboard).
    expect(cfg.services.alerts?.environment?.PAYWATCH_PUBLIC_URL).toBe('http://localhost:8081');
    expect(JSON.stringify(cfg.services.dashboard)).toContain('8081');
    // Grafana is provisioned from this repository's grafana/ folder.
    const gv = (cfg.services.grafana?.volumes ?? []).map((v) =>
      typeof v === 'string' ? v : `${v.source}:${v.target}`,
    );
    expect(
      gv.some((v) => v.includes('grafana/provisioning') && v.includes('/etc/grafana/provisioning')),
    ).toBe(true);
    expect(gv.some((v) => v.includes('grafana/dashboards'))).toBe(true);
  });

  it('refuses to start without the secrets, naming the variable', async () => {
    const { PAYWATCH_CLICKHOUSE_PASSWORD: _omitted, ...env } = COMPOSE_ENV;
    const r = await tool('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], env);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('PAYWATCH_CLICKHOUSE_PASSWORD');
  });
});

describe('Grafana provisioning', () => {
  it('dashboards use the provisioned Prometheus data source and have unique panel ids', () => {
    const ds = parse(readFileSync(g('provisioning', 'datasources', 'datasources.yml'), 'utf8')) as {
      datasources: { uid: string; type: string }[];
    };
    const uids = new Set(ds.datasources.map((d) => d.uid));
    const files = readdirSync(g('dashboards')).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const d = JSON.parse(readFileSync(g('dashboards', f), 'utf8')) as {
        uid: string;
        panels: { id: number; datasource: { uid: string }; targets: { expr: string }[] }[];
      };
      expect(d.uid).toBeTruthy();
      expect(new Set(d.panels.map((p) => p.id)).size).toBe(d.panels.length);
      for (const p of d.panels) {
        expect(uids.has(p.datasource.uid), `${f} panel ${p.id}`).toBe(true);
        for (const t of p.targets) expect(t.expr).toMatch(/paywatch_/);
      }
    }
  });
});
