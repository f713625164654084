'use client';
import { useState } from 'react';
import type { WorkerAction, WorkerStatus } from '@wa-fleet/contract';
import type { ApiResult } from './api-client.ts';

/** What a button press achieved, in words that stand without the banner's colour. */
export interface ActionOutcome {
  ok: boolean;
  text: string;
}

export type { WorkerAction };

/** Sends one lifecycle action; the answer is the worker status the control plane accepted it in. */
export type WorkerActionCall = (action: WorkerAction) => Promise<ApiResult<{ status: WorkerStatus }>>;

const capitalize = (word: string) => `${word.charAt(0).toUpperCase()}${word.slice(1)}`;

/** Asks for a worker lifecycle action and says, in words, what the control plane answered. */
export async function requestWorkerAction(
  call: WorkerActionCall,
  action: WorkerAction,
): Promise<ActionOutcome> {
  const res = await call(action);
  if (!res.ok) return { ok: false, text: `${capitalize(action)} failed: ${res.error.message}` };
  return { ok: true, text: `${capitalize(action)} accepted: worker is ${res.data.status}.` };
}

export interface WorkerActions {
  /** The action waiting for its confirmation. */
  pending: WorkerAction | undefined;
  ask: (action: WorkerAction) => void;
  cancel: () => void;
  confirm: () => Promise<void>;
  isBusy: boolean;
  outcome: ActionOutcome | undefined;
}

/** Ask, confirm, call, say what happened: the flow behind every worker button (tenant and admin pages). */
export function useWorkerActions(call: WorkerActionCall, onDone: () => void): WorkerActions {
  const [pending, setPending] = useState<WorkerAction>();
  const [outcome, setOutcome] = useState<ActionOutcome>();
  const [isBusy, setIsBusy] = useState(false);
  async function confirm() {
    if (!pending) return;
    setPending(undefined);
    setIsBusy(true);
    setOutcome(await requestWorkerAction(call, pending));
    setIsBusy(false);
    onDone();
  }
  return { pending, ask: setPending, cancel: () => setPending(undefined), confirm, isBusy, outcome };
}
