// Guards that the collector serves a rebuilt dashboard without a restart: index.html (which names the hashed asset files) and its CSP hashes are read again when the file changes.
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { securityHeaders } from '../auth/security-headers.js';
import { createPageSource } from './page-source.js';

const page = (asset: string, inline: string) =>
  `<!doctype html><script>${inline}</script><script type="module" src="/assets/${asset}"></script>`;

it('serves the rebuilt page and its inline hashes once the file changes, and the last page while it is gone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-page-'));
  try {
    const file = join(dir, 'index.html');
    writeFileSync(file, page('index-aaa.js', 'a()'));
    let t = 0;
    const src = createPageSource(file, 1000, () => t);
    const first = src.inline().script;
    expect(src.html().toString()).toContain('index-aaa.js');
    writeFileSync(file, page('index-bbbbbb.js', 'b()'));
    t = 500; // within the check interval: no stat yet
    expect(src.html().toString()).toContain('index-aaa.js');
    t = 1500;
    expect(src.html().toString()).toContain('index-bbbbbb.js');
    expect(src.inline().script).toHaveLength(1);
    expect(src.inline().script).not.toEqual(first);
    unlinkSync(file); // a rebuild under way
    t = 3000;
    expect(src.html().toString()).toContain('index-bbbbbb.js');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('sends the CSP hashes of the page as it is now, not as it was at start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-page-'));
  const file = join(dir, 'index.html');
  writeFileSync(file, page('index-aaa.js', 'a()'));
  const src = createPageSource(file, 0);
  const app = express();
  app.use(securityHeaders({ hsts: false, inline: () => src.inline() }));
  app.get('/', (_req, res) => {
    res.type('html').send(src.html());
  });
  const http = app.listen(0, '127.0.0.1');
  await new Promise<void>((r) => http.once('listening', () => r()));
  try {
    const csp = async () =>
      (await fetch(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`)).headers.get(
        'content-security-policy',
      );
    const before = await csp();
    expect(before).toMatch(/script-src 'self'( 'sha256-[^']+')+;/);
    expect(before).toContain(src.inline().script[0] ?? 'missing');
    writeFileSync(file, page('index-bbbbbb.js', 'b()'));
    const after = await csp();
    expect(after).not.toEqual(before);
    expect(after).toContain(src.inline().script[0] ?? 'missing');
  } finally {
    await new Promise((r) => http.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
});
