import type { SecurityDb, SqlValue } from '../auth/security-db.js';
import {
  AUDIT_ACTIONS,
  type AuditAction,
  type AuditDetails,
  type AuditEntry,
  type AuditLog,
} from './types.js';

function toEntry(r: Record<string, unknown>): AuditEntry {
  const action = String(r.action);
  return {
    seq: Number(r.seq),
    ts: Number(r.ts),
    action: ((AUDIT_ACTIONS as readonly string[]).includes(action) ? action : 'config.change') as AuditAction,
    outcome: r.outcome === 'failure' ? 'failure' : 'success',
    actor: typeof r.actor === 'string' ? r.actor : null,
    actor_kind: (['user', 'key', 'anonymous', 'system'] as const).find((k) => k === r.actor_kind) ?? 'system',
    ip: typeof r.ip === 'string' ? r.ip : null,
    target: typeof r.target === 'string' ? r.target : null,
    details: JSON.parse(String(r.details)) as AuditDetails,
  };
}

/**
 * The audit log in the local security database (table `audit_log`). `seq` comes from a counter
 * read once at open and advanced under the database's single writer, so it strictly increases.
 */
export async function createEmbeddedAuditLog(db: SecurityDb): Promise<AuditLog> {
  const [row] = await db.all('SELECT coalesce(max(seq), 0) AS m FROM audit_log');
  let seq = Number(row?.m ?? 0);
  return {
    async append(e) {
      const entry: AuditEntry = { ...e, seq: ++seq };
      await db.run('INSERT INTO audit_log VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', [
        entry.seq,
        entry.ts,
        entry.action,
        entry.outcome,
        entry.actor,
        entry.actor_kind,
        entry.ip,
        entry.target,
        JSON.stringify(entry.details),
      ]);
      return entry;
    },
    async list(q) {
      const where: string[] = [];
      const params: SqlValue[] = [];
      const bind = (v: SqlValue) => {
        params.push(v);
        return `$${params.length}`;
      };
      if (q.from !== undefined) where.push(`ts >= ${bind(q.from)}`);
      if (q.to !== undefined) where.push(`ts < ${bind(q.to)}`);
      if (q.action !== undefined) where.push(`action = ${bind(q.action)}`);
      if (q.actor !== undefined) where.push(`actor = ${bind(q.actor)}`);
      if (q.before !== undefined) where.push(`seq < ${bind(q.before)}`);
      const sql = `SELECT * FROM audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ${bind(q.limit)}`;
      return (await db.all(sql, params)).map(toEntry);
    },
    async purgeBefore(beforeTs) {
      const [r] = await db
        .all('DELETE FROM audit_log WHERE ts < $1 RETURNING seq', [beforeTs])
        .then((rows) => [rows.length]);
      return r ?? 0;
    },
  };
}
