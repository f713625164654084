import type { Logger } from '@wa-fleet/logger';
import { maskPhone } from '@wa-fleet/shared';
import type { AutoReplyRuleCache } from './auto-reply-rules.ts';
import type { InboundMessage } from './engine/index.ts';
import type { MessageRepository } from './message-repository.ts';

/**
 * Inbound messages are handled a few at a time: a burst of thousands of events must queue here, not
 * as thousands of waiters on a 3-connection database pool (they would time out and be lost).
 */
const MAX_IN_FLIGHT = 4;

export interface InboundPipelineDeps {
  messages: MessageRepository;
  rules: AutoReplyRuleCache;
  enqueueSend: (messageId: string) => Promise<void>;
  log: Logger;
}

/** Engine message event -> stored once -> auto-reply rule -> reply stored QUEUED -> enqueued. */
export class InboundPipeline {
  private readonly deps: InboundPipelineDeps;
  private readonly waiting: InboundMessage[] = [];
  private inFlight = 0;
  private idle: (() => void)[] = [];

  constructor(deps: InboundPipelineDeps) {
    this.deps = deps;
  }

  push(message: InboundMessage): void {
    this.waiting.push(message);
    this.pump();
  }

  /** Resolves when everything pushed so far has been handled. */
  async drain(): Promise<void> {
    if (this.inFlight === 0 && this.waiting.length === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.waiting.length > 0) {
      const message = this.waiting.shift()!;
      this.inFlight += 1;
      void this.handle(message).finally(() => {
        this.inFlight -= 1;
        this.pump();
        if (this.inFlight === 0 && this.waiting.length === 0) {
          for (const resolve of this.idle.splice(0)) resolve();
        }
      });
    }
  }

  private async handle(message: InboundMessage): Promise<void> {
    const { messages, rules, enqueueSend, log } = this.deps;
    try {
      const inbound = await messages.storeInbound(message);
      if (!inbound) {
        log.debug({ waMessageId: message.waMessageId }, 'duplicate inbound message dropped');
        return;
      }
      log.info({ messageId: inbound.id, from: maskPhone(message.from) }, 'inbound message stored');
      log.debug({ messageId: inbound.id, body: message.body }, 'inbound message body');
      const rule = await rules.match(message.body);
      if (!rule) return;
      const reply = await messages.queueAutoReply(inbound, rule.reply, rule.id);
      if (!reply) return;
      log.info(
        { messageId: reply.id, replyToId: inbound.id, ruleId: rule.id, to: maskPhone(inbound.fromNumber) },
        'auto-reply queued',
      );
      // If this fails the row is still QUEUED, and the queue's sweep enqueues it.
      await enqueueSend(reply.id);
    } catch (err) {
      log.error({ err, waMessageId: message.waMessageId }, 'inbound message handling failed');
    }
  }
}
