// Guards `paywatch replay`: gzip NDJSON of client events in, one JSON line per transition out, in event time, with the documented fields.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { replayCommand } from './replay.command.js';
import { eventStream } from '../detect/synthetic.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('replay command', () => {
  it('replays a gzip file of client events and writes transitions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-replay-'));
    dirs.push(dir);
    const T0 = Date.UTC(2026, 2, 2, 8, 0);
    const onset = T0 + 150 * 60_000;
    const events = eventStream({
      from: T0,
      minutes: 180,
      perMinute: 40,
      providers: ['adyen', 'stripe'],
      successRate: (t, p) => (p === 'adyen' && t >= onset ? 0.3 : 0.93),
      failure: (t, p) => (p === 'adyen' && t >= onset ? 'timeout' : 'do_not_honor'),
    });
    // Client input form: RFC 3339 timestamps, aliases, no normalized-only fields.
    const lines = events.map((e) =>
      JSON.stringify({
        event_id: e.event_id,
        ts: new Date(e.ts).toISOString(),
        payment_id: e.payment_id,
        merchant_id: e.merchant_id,
        provider: e.provider === 'adyen' ? 'Adyen' : e.provider,
        method: 'cards',
        status: e.status === 'failed' ? 'declined' : 'paid',
        amount_minor: e.amount_minor,
        currency: 'eur',
        ...(e.failure ? { failure: { category: e.failure.category } } : {}),
        country: 'de',
        card: { bin: e.card?.bin, last4: '4242', issuer_country: 'DE' },
        latency_ms: 250,
        customer_ref: e.customer_ref,
      }),
    );
    lines.splice(10, 0, '{"not":"an event"}');
    writeFileSync(join(dir, 'events.ndjson.gz'), gzipSync(lines.join('\n') + '\n'));
    const err: string[] = [];
    const code = await replayCommand(
      ['--in', join(dir, 'events.ndjson.gz'), '--alerts-out', join(dir, 'alerts.jsonl')],
      {
        stdout: { write: () => true },
        stderr: { write: (s: string) => err.push(s) },
      },
    );
    expect(code).toBe(0);
    const out = readFileSync(join(dir, 'alerts.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const drop = out.find((o) => o['rule'] === 'provider_success_rate_drop' && o['state'] === 'firing');
    expect(drop).toBeDefined();
    expect(Object.keys(drop!).slice(0, 7)).toEqual([
      'rule',
      'labels',
      'state',
      'at',
      'value',
      'expected',
      'revenue_at_risk',
    ]);
    expect(drop!['labels']).toEqual({ provider: 'adyen' });
    const at = Date.parse(String(drop!['at']));
    expect(at - onset).toBeGreaterThan(0);
    expect(at - onset).toBeLessThanOrEqual(3 * 60_000);
    expect(Number(drop!['revenue_at_risk'])).toBeGreaterThan(0);
    expect(
      out.some(
        (o) =>
          o['labels'] &&
          (o['labels'] as Record<string, string>)['provider'] === 'stripe' &&
          o['state'] === 'firing',
      ),
    ).toBe(false);
    expect(err.join('')).toMatch(/1 invalid, first: line 11/);
  });
});
