// Shared contract suite for every AuditLog backend (STYLE.md §4): ordering, filters, paging, purge.
import { describe, expect, it } from 'vitest';
import type { AuditInput, AuditLog } from './types.js';

const T0 = Date.UTC(2026, 0, 1);

function entry(i: number): AuditInput {
  return {
    ts: T0 + i * 60_000,
    action: i % 3 === 0 ? 'auth.login' : i % 3 === 1 ? 'key.create' : 'user.update',
    outcome: i % 5 === 0 ? 'failure' : 'success',
    actor: i % 2 === 0 ? 'alice' : 'key:ci',
    actor_kind: i % 2 === 0 ? 'user' : 'key',
    ip: '10.0.0.' + (i % 7),
    target: `t${i}`,
    details: { i, note: 'x', flag: i % 2 === 0, none: null },
  };
}

/** Runs the audit contract against a fresh, empty log from `make` (closed with `close`). */
export function auditContract(
  name: string,
  make: () => Promise<{ log: AuditLog; close: () => Promise<void> }>,
): void {
  describe(`audit log contract: ${name}`, () => {
    it('appends with strictly increasing seq and lists newest first with every field intact', async () => {
      const { log, close } = await make();
      try {
        const written = [];
        for (let i = 0; i < 30; i++) written.push(await log.append(entry(i)));
        for (let i = 1; i < written.length; i++) expect(written[i]!.seq).toBeGreaterThan(written[i - 1]!.seq);
        const all = await log.list({ limit: 100 });
        expect(all).toHaveLength(30);
        expect(all.map((e) => e.seq)).toEqual(written.map((e) => e.seq).reverse());
        expect(all[all.length - 1]).toEqual({ ...entry(0), seq: written[0]!.seq });
      } finally {
        await close();
      }
    });

    it('filters by time, action and actor, and pages with `before`', async () => {
      const { log, close } = await make();
      try {
        for (let i = 0; i < 30; i++) await log.append(entry(i));
        const logins = await log.list({ action: 'auth.login', limit: 100 });
        expect(logins.map((e) => e.target)).toEqual([27, 24, 21, 18, 15, 12, 9, 6, 3, 0].map((i) => `t${i}`));
        const alice = await log.list({
          actor: 'alice',
          from: T0 + 10 * 60_000,
          to: T0 + 20 * 60_000,
          limit: 100,
        });
        expect(alice.map((e) => e.details.i)).toEqual([18, 16, 14, 12, 10]);
        const p1 = await log.list({ limit: 12 });
        const p2 = await log.list({ limit: 12, before: p1[p1.length - 1]!.seq });
        const p3 = await log.list({ limit: 12, before: p2[p2.length - 1]!.seq });
        expect([...p1, ...p2, ...p3].map((e) => e.details.i)).toEqual([...Array(30).keys()].reverse());
      } finally {
        await close();
      }
    });

    it('purges only entries older than the cut-off', async () => {
      const { log, close } = await make();
      try {
        for (let i = 0; i < 30; i++) await log.append(entry(i));
        expect(await log.purgeBefore(T0 + 10 * 60_000)).toBe(10);
        const left = await log.list({ limit: 100 });
        expect(left).toHaveLength(20);
        expect(Math.min(...left.map((e) => e.ts))).toBe(T0 + 10 * 60_000);
        const next = await log.append(entry(99));
        expect(next.seq).toBeGreaterThan(Math.max(...left.map((e) => e.seq)));
      } finally {
        await close();
      }
    });
  });
}
