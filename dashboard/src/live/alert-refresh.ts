import type { ConnectionState } from './live-client.js';

// How the alert pages stay current: they re-read the alerts API when the live socket says an alert
// changed state (`alert`, contracts/src/live.ts) instead of every 15 s, and poll only as a safety
// net — slowly while the socket is up, every 15 s while it is down.

/**
 * Poll interval of the alert lists: `live` while the socket is connected (catches what the socket
 * does not announce: a silence made or expired, a standalone `paywatch alerts` engine whose
 * transitions reach another process), `down` while it is not.
 */
export const ALERT_POLL_MS = { live: 60_000, down: 15_000 } as const;

/** The poll interval for the socket's `state`. */
export function alertPollMs(state: ConnectionState): number {
  return state === 'connected' ? ALERT_POLL_MS.live : ALERT_POLL_MS.down;
}

/**
 * Coalescing window of refreshes: an outage moves a dozen alerts within a second; the first
 * transition refreshes at once, the rest of the window's in one more refresh at its end.
 */
export const ALERT_REFRESH_COALESCE_MS = 1_000;

/** A function run at most once per `ms`: the first call at once, later ones folded into one at the window's end. */
export interface Coalescer {
  fire(): void;
  /** Drops a pending run (idempotent). */
  stop(): void;
}

export function createCoalescer(run: () => void, ms: number, now: () => number = Date.now): Coalescer {
  let last = -Infinity;
  let pending: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  return {
    fire() {
      if (stopped || pending !== undefined) return;
      const wait = last + ms - now();
      if (wait <= 0) {
        last = now();
        run();
        return;
      }
      pending = setTimeout(() => {
        pending = undefined;
        if (stopped) return;
        last = now();
        run();
      }, wait);
    },
    stop() {
      stopped = true;
      clearTimeout(pending);
      pending = undefined;
    },
  };
}
