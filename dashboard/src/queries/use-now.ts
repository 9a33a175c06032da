import { useEffect, useState } from 'react';

/** `Date.now()` rounded down to `stepMs`, updated every `stepMs`: a stable clock for rolling windows. */
export function useNow(stepMs: number): number {
  const round = () => Math.floor(Date.now() / stepMs) * stepMs;
  const [now, setNow] = useState(round);
  useEffect(() => {
    const id = setInterval(() => setNow(round()), Math.min(stepMs, 5_000));
    return () => clearInterval(id);
  }, [stepMs]);
  return now;
}
