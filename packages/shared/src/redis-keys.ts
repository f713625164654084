// Names shared by the processes that meet in Redis (control plane, worker, tests). Every key starts
// with the deployment's REDIS_PREFIX so several fleets (or test runs) can share one Redis.

/** BullMQ queue of a tenant's outbound sends. */
export function sendQueueName(tenantId: string): string {
  return `send-${tenantId}`;
}

/** Pub/sub channel on which the simulator engine of a tenant takes commands. */
export function simulatorChannel(prefix: string, tenantId: string): string {
  return `${prefix}:sim:${tenantId}`;
}

/** Pub/sub channel announcing that a tenant's auto-reply rules changed (workers drop their cache). */
export function rulesChangedChannel(prefix: string): string {
  return `${prefix}:rules-changed`;
}

export const SIMULATOR_COMMANDS = [
  'link',
  'inbound',
  'disconnect',
  'logout',
  'fail',
  'hang',
  'auth_failure',
  'fail_sends',
] as const;
export type SimulatorCommandType = (typeof SIMULATOR_COMMANDS)[number];

export interface SimulatorCommand {
  type: SimulatorCommandType;
  /** For `inbound`: sender's number (digits) and text; `id` lets tests fire the same message twice. */
  from?: string;
  text?: string;
  id?: string;
  /** For `fail` and `fail_sends`: the error message the engine reports. */
  message?: string;
  /** For `fail_sends`: how many of the next sends fail with a retryable error. */
  count?: number;
}
