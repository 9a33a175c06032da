// Guards the embedded audit log (security.duckdb) against the shared audit contract, and that entries survive a reopen.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openSecurityDb } from '../auth/security-db.js';
import { auditContract } from './audit-contract.js';
import { createEmbeddedAuditLog } from './embedded-audit.js';

auditContract('embedded', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-audit-'));
  const db = await openSecurityDb(join(dir, 'security.duckdb'));
  return {
    log: await createEmbeddedAuditLog(db),
    close: async () => {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

it('keeps entries and continues the sequence after a reopen', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-audit-'));
  const file = join(dir, 'security.duckdb');
  try {
    let db = await openSecurityDb(file);
    let log = await createEmbeddedAuditLog(db);
    const a = await log.append({
      ts: 1,
      action: 'auth.login',
      outcome: 'success',
      actor: 'a',
      actor_kind: 'user',
      ip: null,
      target: null,
      details: {},
    });
    await db.close();
    db = await openSecurityDb(file);
    log = await createEmbeddedAuditLog(db);
    const b = await log.append({
      ts: 2,
      action: 'auth.logout',
      outcome: 'success',
      actor: 'a',
      actor_kind: 'user',
      ip: null,
      target: null,
      details: {},
    });
    expect(b.seq).toBe(a.seq + 1);
    expect((await log.list({ limit: 10 })).map((e) => e.action)).toEqual(['auth.logout', 'auth.login']);
    await db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
