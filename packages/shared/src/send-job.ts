// The send job, as the control plane (producer) adds it and the worker (consumer) reads it. One
// definition, so the two can never disagree on options again. Plain data: no BullMQ import, the portal
// bundles this package too.

/** BullMQ job name of an outbound send. */
export const SEND_JOB_NAME = 'send';

export interface SendJobData {
  /** The message_logs row to send; the row, not the job, is the truth (status, attempts, body). */
  messageId: string;
}

/** The subset of BullMQ's JobsOptions the send job uses (structurally compatible with it). */
export interface SendJobOptions {
  jobId: string;
  attempts: number;
  removeOnComplete: boolean;
  removeOnFail: boolean;
}

/**
 * name, data and options of the job for row `messageId`:
 * - `jobId` = row id: adding the same row twice while its job waits is a no-op;
 * - one BullMQ attempt: the worker counts send attempts on the row (they survive restarts) and waits out
 *   database outages inside the job, so BullMQ's own retries would only double-count;
 * - finished and failed jobs are removed at once: a job left in the failed set would make every later
 *   re-add of the same jobId a silent no-op (the worker's sweep also removes such leftovers).
 */
export function sendJob(messageId: string): { name: string; data: SendJobData; opts: SendJobOptions } {
  return {
    name: SEND_JOB_NAME,
    data: { messageId },
    opts: { jobId: messageId, attempts: 1, removeOnComplete: true, removeOnFail: true },
  };
}
