import { appendFile } from 'node:fs/promises';

/** One delivery attempt sequence of one notification to one channel. */
export interface DeliveryRecord {
  id: number;
  /** Wall clock, epoch ms, when the final outcome was known. */
  at: number;
  receiver: string;
  channel: string;
  /** Host (never a full URL: those hold tokens). */
  target: string;
  group_key: string;
  reason: string;
  alert_ids: string[];
  status: 'sent' | 'failed';
  attempts: number;
  error: string | null;
  duration_ms: number;
  /** Set when this delivery was the fallback for a failed receiver. */
  fallback_for: string | null;
}

/** Delivery log: every send is recorded (attempts, status, error). Bounded in memory, optionally appended to a JSONL file. */
export interface DeliveryLog {
  append(r: Omit<DeliveryRecord, 'id'>): DeliveryRecord;
  list(q?: { limit?: number; receiver?: string; status?: DeliveryRecord['status'] }): DeliveryRecord[];
  /** Listeners hear each record (live stream, metrics). */
  onRecord(listener: (r: DeliveryRecord) => void): () => void;
  flush(): Promise<void>;
}

export function createDeliveryLog(config: { capacity?: number; file?: string } = {}): DeliveryLog {
  const cap = config.capacity ?? 5000;
  const ring: DeliveryRecord[] = [];
  const listeners = new Set<(r: DeliveryRecord) => void>();
  let nextId = 1;
  let pending: Promise<void> = Promise.resolve();
  return {
    append(r) {
      const rec = { ...r, id: nextId++ };
      ring.push(rec);
      if (ring.length > cap) ring.shift();
      if (config.file) {
        const file = config.file;
        pending = pending.then(() => appendFile(file, JSON.stringify(rec) + '\n')).catch(() => undefined);
      }
      for (const l of listeners) l(rec);
      return rec;
    },
    list(q = {}) {
      let out = ring.slice().reverse();
      if (q.receiver) out = out.filter((r) => r.receiver === q.receiver);
      if (q.status) out = out.filter((r) => r.status === q.status);
      return out.slice(0, q.limit ?? 100);
    },
    onRecord(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    flush: () => pending,
  };
}
