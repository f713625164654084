import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { sendJob, sendQueueName, withTimeout } from '@wa-fleet/shared';

/** How long an enqueue may take before we give up; the QUEUED row is safe either way (the worker sweeps it). */
const ENQUEUE_TIMEOUT_MS = 2_000;

/**
 * One BullMQ Queue per tenant, created on first use and kept (a Queue is cheap and shares our connection).
 * The job's name, data and options come from @wa-fleet/shared's sendJob(), the definition the worker
 * uses too; the worker retries sends itself (attempts are counted on the row).
 */
export class SendQueues {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly connection: Redis,
    private readonly prefix: string,
  ) {}

  private queue(tenantId: string): Queue {
    let queue = this.queues.get(tenantId);
    if (!queue) {
      queue = new Queue(sendQueueName(tenantId), { connection: this.connection, prefix: this.prefix });
      this.queues.set(tenantId, queue);
    }
    return queue;
  }

  async enqueueSend(tenantId: string, messageId: string): Promise<void> {
    const job = sendJob(messageId);
    const add = this.queue(tenantId).add(job.name, job.data, job.opts);
    await withTimeout(add, ENQUEUE_TIMEOUT_MS, 'enqueue');
  }

  /** Jobs not yet sent (waiting, delayed, active, prioritized) for the queue-depth metric. */
  async depth(tenantId: string): Promise<number> {
    const counts = await this.queue(tenantId).getJobCounts('waiting', 'delayed', 'active', 'prioritized');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}
