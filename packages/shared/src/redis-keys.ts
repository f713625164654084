import type { MessageType } from './message-types.ts';
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

/**
 * Pub/sub channel on which a tenant's running worker takes requests from the control plane (today:
 * `{"type":"pairing_code"}`, read the pending pairing request from the database and ask the engine
 * for a code). The message carries no secret and no data: the database row is the request.
 */
export function workerControlChannel(prefix: string, tenantId: string): string {
  return `${prefix}:worker-control:${tenantId}`;
}

export const WORKER_CONTROL_TYPES = ['pairing_code'] as const;
export type WorkerControlType = (typeof WORKER_CONTROL_TYPES)[number];

export const SIMULATOR_COMMANDS = [
  'link',
  'inbound',
  'disconnect',
  'logout',
  'fail',
  'hang',
  'auth_failure',
  'fail_sends',
  'enter_pairing_code',
  'fail_media',
  'edit',
  'revoke',
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
  /** For `enter_pairing_code`: the code the phone's owner types (what the engine showed, or not). */
  code?: string;
  /**
   * For `inbound`: what the customer sends (default TEXT). A type with a file gets a small real one
   * made by the simulator (PNG, WAV, PDF, MP4, WebP); `text` is then the caption.
   */
  messageType?: MessageType;
  /** For an UNSUPPORTED `inbound`: the network's own name of the type (e.g. `poll_creation`). */
  rawType?: string;
  fileName?: string;
  /** For a LOCATION `inbound`. */
  latitude?: number;
  longitude?: number;
  locationName?: string;
  /**
   * For a REACTION `inbound`: the emoji and the WhatsApp id of the message it is on. For `edit` (new
   * `text`) and `revoke` (deleted for everyone): the WhatsApp id of the customer's message changed.
   */
  emoji?: string;
  targetId?: string;
}
