// Guards the documented Prometheus setup: a real Prometheus scrapes /metrics with a `read` API key from credentials_file; without credentials it is refused (401).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.js';
import { startPrometheus, type PrometheusProcess } from './scrape-harness.js';

let s: TestServer;
let prom: PrometheusProcess | undefined;
let dir = '';
let promUrl = '';

beforeAll(async () => {
  s = await startTestServer({ PAYWATCH_LOG_LEVEL: 'warn' });
  const created = await s.fetch('/api/admin/keys', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'prometheus', scopes: ['read'] }),
  });
  const { key } = (await created.json()) as { key: string };
  dir = mkdtempSync(join(tmpdir(), 'pw-prom-key-'));
  writeFileSync(join(dir, 'paywatch.key'), key + '\n', { mode: 0o600 });
  const target = new URL(s.url).host;
  // Fails with install instructions when Prometheus is missing.
  prom = await startPrometheus(
    [
      'global: { scrape_interval: 1s }',
      'scrape_configs:',
      '  - job_name: paywatch',
      '    authorization:',
      '      type: Bearer',
      `      credentials_file: ${join(dir, 'paywatch.key')}`,
      `    static_configs: [ { targets: ['${target}'] } ]`,
      '  - job_name: anonymous',
      `    static_configs: [ { targets: ['${target}'] } ]`,
      '',
    ].join('\n'),
  );
  promUrl = prom.url;
});
afterAll(async () => {
  await prom?.stop();
  await s?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('scrapes with a read key and is refused without credentials', async () => {
  type Target = { labels: { job: string }; health: string; lastError: string };
  let targets: Target[] = [];
  const t0 = Date.now();
  while (Date.now() - t0 < 30_000) {
    try {
      const r = (await (await fetch(`${promUrl}/api/v1/targets`)).json()) as {
        data: { activeTargets: Target[] };
      };
      targets = r.data.activeTargets;
      if (targets.length === 2 && targets.every((t) => t.health !== 'unknown')) break;
    } catch {
      // Prometheus is still starting
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  const byJob = Object.fromEntries(targets.map((t) => [t.labels.job, t]));
  expect(byJob.paywatch?.health, JSON.stringify(targets)).toBe('up');
  expect(byJob.anonymous?.health).toBe('down');
  expect(byJob.anonymous?.lastError).toMatch(/401/);
  const q = (await (await fetch(`${promUrl}/api/v1/query?query=up`)).json()) as {
    data: { result: { metric: { job: string }; value: [number, string] }[] };
  };
  expect(Object.fromEntries(q.data.result.map((r) => [r.metric.job, r.value[1]]))).toEqual({
    paywatch: '1',
    anonymous: '0',
  });
  // The scraped series are paywatch's own (a real scrape, not just a reachable port).
  const series = (await (
    await fetch(
      `${promUrl}/api/v1/series?match[]=${encodeURIComponent('{job="paywatch",__name__=~"paywatch_.+"}')}`,
    )
  ).json()) as { data: unknown[] };
  expect(series.data.length).toBeGreaterThan(0);
  const keys = (await (await s.fetch('/api/admin/keys')).json()) as {
    keys: { name: string; last_used_at: number | null }[];
  };
  expect(keys.keys.find((k) => k.name === 'prometheus')?.last_used_at).toBeGreaterThan(t0 - 60_000);
});
