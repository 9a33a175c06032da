import { z } from 'zod';
import type { SpoolRefusal, SpoolStats } from '../store/spool/index.js';

/**
 * How long `/readyz` waits for the store's answer when a spool takes the writes: the answer only
 * fills `store_status` then, and a probe (Kubernetes' default timeout: 1 s) must not time out
 * because ClickHouse does not answer.
 */
const STORE_STATUS_WAIT_MS = 500;

/** The 200 body of `GET /readyz` (`store` is the backend's name, as before; the rest was added). */
export const ReadyBodySchema = z.object({
  status: z.literal('ready'),
  store: z.string(),
  store_status: z.enum(['reachable', 'unreachable']),
  spool: z
    .object({
      pending_events: z.number().int(),
      oldest_age_seconds: z.number(),
      disk_bytes: z.number().int(),
      quota_bytes: z.number().int(),
    })
    .optional(),
});

/** The state readiness is judged from; each member reads current state (the ping is the only I/O). */
export interface ReadinessDeps {
  /** The store backend's name (`clickhouse`, `embedded`). */
  backend: string;
  /** Resolves when the store answers (the ClickHouse store gives up after its 2 s ping timeout). */
  ping(): Promise<void>;
  /** The durable spool taking the writes in front of the store, or null (the store takes them). */
  spool: { refusal(): SpoolRefusal | null; stats(): SpoolStats } | null;
  /** True from the moment the collector starts shutting down. */
  stopping(): boolean;
}

/** Ready: can ingest be durably accepted now? A 503 carries the code and message of the `Error` body. */
export type Readiness =
  | { ready: true; body: z.infer<typeof ReadyBodySchema> }
  | {
      ready: false;
      code: 'stopping' | 'store_unavailable' | SpoolRefusal['code'];
      message: string;
    };

/** Whether `p` resolves (within `waitMs`, when given). */
const answers = (p: Promise<void>, waitMs?: number): Promise<boolean> => {
  const ok = p.then(
    () => true,
    () => false,
  );
  if (waitMs === undefined) return ok;
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    ok,
    new Promise<boolean>((r) => (timer = setTimeout(() => r(false), waitMs))),
  ]).finally(() => clearTimeout(timer));
};

const STOPPING: Readiness = { ready: false, code: 'stopping', message: 'the collector is shutting down' };

/**
 * Ready means "can accept ingest durably": with a spool, while the spool takes writes, whether or
 * not the store answers (a ClickHouse outage is what the spool is for; the body says the store is
 * unreachable); without one, while the store answers. Never while shutting down.
 */
export async function checkReadiness(deps: ReadinessDeps): Promise<Readiness> {
  if (deps.stopping()) return STOPPING;
  const { spool } = deps;
  if (spool === null) {
    const up = await answers(deps.ping());
    if (deps.stopping()) return STOPPING;
    return up
      ? { ready: true, body: { status: 'ready', store: deps.backend, store_status: 'reachable' } }
      : { ready: false, code: 'store_unavailable', message: `the ${deps.backend} store does not answer` };
  }
  const refused = spool.refusal();
  if (refused) return { ready: false, ...refused };
  const up = await answers(deps.ping(), STORE_STATUS_WAIT_MS);
  // Judged again after the wait: the spool may have filled up or the collector begun stopping.
  if (deps.stopping()) return STOPPING;
  const again = spool.refusal();
  if (again) return { ready: false, ...again };
  const s = spool.stats();
  return {
    ready: true,
    body: {
      status: 'ready',
      store: deps.backend,
      store_status: up ? 'reachable' : 'unreachable',
      spool: {
        pending_events: s.pendingEvents,
        oldest_age_seconds: Math.round(s.oldestAgeMs / 100) / 10,
        disk_bytes: s.diskBytes,
        quota_bytes: s.quotaBytes,
      },
    },
  };
}
