'use client';
import { useCallback, useState } from 'react';
import type { ApiError, ApiResult } from './api-client.ts';

export interface ApiAction {
  /** The last failure, until an action succeeds. */
  error: ApiError | undefined;
  /** What the last successful action achieved, until the next one ends. */
  notice: string | undefined;
  isBusy: boolean;
  /** Awaits `call`, records its outcome, and hands the result back for follow-ups (reset, refresh). */
  run: <T>(call: Promise<ApiResult<T>>, notice?: string | ((data: T) => string)) => Promise<ApiResult<T>>;
}

/** The state every form and button of the portal keeps about its last call to the portal's API. */
export function useApiAction(): ApiAction {
  const [error, setError] = useState<ApiError>();
  const [notice, setNotice] = useState<string>();
  const [isBusy, setIsBusy] = useState(false);
  const run = useCallback(async <T>(call: Promise<ApiResult<T>>, done?: string | ((data: T) => string)) => {
    setIsBusy(true);
    const res = await call.finally(() => setIsBusy(false));
    if (res.ok) {
      setError(undefined);
      setNotice(typeof done === 'function' ? done(res.data) : done);
    } else {
      setError(res.error);
      setNotice(undefined);
    }
    return res;
  }, []);
  return { error, notice, isBusy, run };
}
