import { useCallback, useEffect, useRef, useState } from 'react';

/** The state of one request; `data` keeps the last good value while refetching. */
export interface QueryState<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  refetch(): void;
}

export interface QueryOptions {
  /** Refetch every N ms (the live screen); off when undefined. */
  refetchMs?: number;
  enabled?: boolean;
  /** Keep showing the previous key's data while the new key loads (rolling windows). */
  keepPrevious?: boolean;
}

/**
 * Runs `fetcher` whenever `key` changes (aborting the previous request) and optionally on an
 * interval. `key` must capture every input of `fetcher`.
 */
export function useQuery<T>(
  key: string,
  fetcher: (signal: AbortSignal) => Promise<T>,
  opts: QueryOptions = {},
): QueryState<T> {
  const { refetchMs, enabled = true, keepPrevious = false } = opts;
  const [state, setState] = useState<{
    key: string;
    data: T | undefined;
    error: Error | undefined;
    loading: boolean;
  }>({
    key,
    data: undefined,
    error: undefined,
    loading: enabled,
  });
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;
  const [tick, setTick] = useState(0);
  const refetch = useCallback(() => setTick((n) => n + 1), []);

  useEffect(() => {
    if (!enabled) return;
    const ctrl = new AbortController();
    setState((s) => ({
      key,
      data: s.key === key || keepPrevious ? s.data : undefined,
      error: undefined,
      loading: true,
    }));
    fetcherRef.current(ctrl.signal).then(
      (data) => {
        if (!ctrl.signal.aborted) setState({ key, data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (ctrl.signal.aborted) return;
        setState((s) => ({
          key,
          data: s.key === key || keepPrevious ? s.data : undefined,
          error: error instanceof Error ? error : new Error(String(error)),
          loading: false,
        }));
      },
    );
    return () => ctrl.abort();
  }, [key, enabled, tick]);

  useEffect(() => {
    if (!enabled || refetchMs === undefined) return;
    const id = setInterval(refetch, refetchMs);
    return () => clearInterval(id);
  }, [enabled, refetchMs, refetch]);

  const sameKey = state.key === key;
  return {
    data: sameKey || keepPrevious ? state.data : undefined,
    error: sameKey ? state.error : undefined,
    loading: !sameKey || state.loading,
    refetch,
  };
}
