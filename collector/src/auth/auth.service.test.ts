// Guards that the audit trail of sign-ins never keeps a card number typed into the user name field.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createEmbeddedAuditLog } from '../audit/embedded-audit.js';
import { createLogger } from '../lib/logger.js';
import { createAuthService, type AuthService } from './auth.service.js';
import { openSecurityDb, type SecurityDb } from './security-db.js';

let dir = '';
let db: SecurityDb;
let auth: AuthService;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-auth-'));
  db = await openSecurityDb(join(dir, 'security.duckdb'));
  auth = createAuthService(
    { db, audit: await createEmbeddedAuditLog(db), logger: createLogger({ level: 'silent' }) },
    { adminPassword: 'Adm1n-pass-word!', sessionTtlMs: 3_600_000, staticIngestKeys: [] },
  );
  await auth.start();
});
afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

it('records a failed sign-in with the typed user name masked (a card number pasted into the wrong field)', async () => {
  const name = `${'x'.repeat(50)}4103842024288048`; // 66 characters: the target is cut to 64
  for (const username of ['4103842024288048', '4103 8420 2428 8048', name])
    await expect(auth.login(username, 'x', '127.0.0.1')).rejects.toThrow('wrong user name or password');
  const failures = (await auth.audit.list({ limit: 10 })).filter((e) => e.action === 'auth.login');
  expect(failures.map((e) => e.target)).toEqual([
    `${'x'.repeat(50)}410384…8048`,
    '410384…8048',
    '410384…8048',
  ]);
});
