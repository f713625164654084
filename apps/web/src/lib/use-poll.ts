'use client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { startLoop } from '@wa-fleet/shared/loop';
import { callApi, type ApiError } from './api-client.ts';
import { portalUrl, type PortalInput, type PortalResponse, type PortalRoute } from './portal-api.ts';

export interface PollState<T> {
  data: T | undefined;
  error: ApiError | undefined;
  isLoading: boolean;
  /** Fetches now (after an action), without waiting for the next tick. */
  refresh: () => Promise<void>;
}

/**
 * Loads portal route `key` (its URL built from `input`; null: not now) and reloads it every `intervalMs` (0 = once). Ticks never overlap: the next one is
 * scheduled after the previous answer arrived. The last good data stays on screen during an error.
 */
export function usePoll<K extends PortalRoute>(
  key: K,
  input: Omit<PortalInput<K>, 'body'> | null,
  intervalMs: number,
  opts: { paused?: boolean } = {},
): PollState<PortalResponse<K>> {
  type T = PortalResponse<K>;
  const url = input === null ? null : portalUrl(key, input);
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [isLoading, setIsLoading] = useState(url !== null);
  const urlRef = useRef(url);
  urlRef.current = url;

  const load = useCallback(async () => {
    const current = urlRef.current;
    if (current === null) return;
    const result = await callApi<T>(current);
    if (urlRef.current !== current) return;
    if (result.ok) {
      setData(result.data);
      setError(undefined);
    } else {
      setError(result.error);
    }
    setIsLoading(false);
  }, []);

  useEffect(() => {
    if (url === null) return;
    setIsLoading(true);
    if (intervalMs <= 0 || opts.paused) {
      void load();
      return;
    }
    const loop = startLoop(load, { intervalMs });
    return () => void loop.stop();
  }, [url, intervalMs, opts.paused, load]);

  return { data, error, isLoading, refresh: load };
}
