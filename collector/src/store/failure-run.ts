/**
 * A run of consecutive failures of one repeated store call (the spool's writes, the alert feed's
 * reads): during an outage every retry fails, so callers log its changes of state — the first
 * failure, a reminder at most every `everyMs` while it lasts, the recovery — not every retry.
 * The caller logs (its own message and fields); this only says when and with which counts.
 */
export interface FailureRun {
  /**
   * Records a failure at `t`: `'first'` when it starts a run, a reminder's counts (failures so far,
   * this one included; whole seconds since the run began) when one is due, else null.
   */
  failed(t: number): 'first' | { failures: number; failingForS: number } | null;
  /** Records a success at `t`: the run it ends (failures, whole seconds), or null when none. */
  succeeded(t: number): { failures: number; failedForS: number } | null;
}

/** Reminders while the run lasts at most every `everyMs` (default 60 s). */
export function createFailureRun(everyMs = 60_000): FailureRun {
  let since: number | null = null;
  let failures = 0;
  let loggedAt = 0;
  return {
    failed(t) {
      failures++;
      if (since === null) {
        since = t;
        loggedAt = t;
        return 'first';
      }
      if (t - loggedAt < everyMs) return null;
      loggedAt = t;
      return { failures, failingForS: Math.round((t - since) / 1000) };
    },
    succeeded(t) {
      if (since === null) return null;
      const ended = { failures, failedForS: Math.round((t - since) / 1000) };
      since = null;
      failures = 0;
      return ended;
    },
  };
}
