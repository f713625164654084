import type { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { Logger } from '@wa-fleet/logger';
import type { MessageMeta, MessageType, WaEngineName } from '@wa-fleet/shared';

/** An inbound WhatsApp message in the engine-independent shape the pipeline stores. */
export interface InboundMessage {
  /** WhatsApp's own message id: the pipeline's deduplication key. */
  waMessageId: string;
  /** Sender: digits for a person (`15551234567`), the full JID for anything else (groups). */
  from: string;
  /** Our own number (digits). */
  to: string;
  /** The text, or a media message's caption ('' when none). */
  body: string;
  /** When WhatsApp says the message was sent. */
  timestamp: Date;
  /** Absent = TEXT. A type the engine cannot map is UNSUPPORTED with `rawType` set, never dropped. */
  type?: MessageType;
  /** The engine's own name of the type (always kept for UNSUPPORTED). */
  rawType?: string;
  /** What WhatsApp tells about the content (file name, size, location, vCard, reaction, ...). */
  meta?: MessageMeta;
}

/** The sender changed the text of a message it sent earlier (WhatsApp's "edit"). */
export interface InboundEdit {
  /** WhatsApp's id of the edited message (the one first received). */
  waMessageId: string;
  /** The new text (a media message: its new caption). */
  body: string;
  /** When WhatsApp says the edit was made: with the message, what makes a repeated edit one. */
  editedAt: Date;
}

/** The sender deleted a message it sent earlier for everyone (WhatsApp's "revoke"). */
export interface InboundRevoke {
  waMessageId: string;
  revokedAt: Date;
}

/** A message's file as the engine downloaded it. */
export interface DownloadedMedia {
  data: Buffer;
  /** What the engine was told; the stored type is checked from the bytes. */
  mimeType?: string;
  fileName?: string;
}

/** A file to send, read from the tenant's media store (its type was checked from its bytes on upload). */
export interface OutboundMedia {
  data: Buffer;
  mimeType: string;
  fileName?: string | undefined;
  /** Shown under the file ('' or undefined: none). */
  caption?: string | undefined;
}

/** Delivery states an acknowledgement can report, in the order a message moves through them. */
export type AckStatus = 'SENT' | 'DELIVERED' | 'READ' | 'FAILED';

/**
 * Session and message events every engine emits, in our words: an engine translates its library's
 * states here, and nothing outside its folder knows which engine runs.
 */
export interface EngineEvents {
  /** A QR payload to show the user (a secret while valid: never log it). */
  qr: [payload: string];
  /**
   * A pairing code to show the user (after `requestPairingCode`; a new one replaces it before it
   * expires while nobody typed it). A secret while valid: never log it.
   */
  pairing_code: [info: { code: string; expiresAt: Date }];
  /** Linked and usable; `phone` is our own number (digits). */
  connected: [info: { phone: string }];
  /** The connection dropped; the session is still linked and the engine comes back by itself. */
  disconnected: [info: { reason: string }];
  /** The session is gone (unlinked from the phone): a new QR is needed. */
  logged_out: [info: { reason: string }];
  /** Saved credentials were rejected. */
  auth_failed: [info: { message: string }];
  message: [message: InboundMessage];
  message_ack: [waMessageId: string, status: AckStatus];
  /** An inbound message got a new text (arrives after the message, or before it: both are kept). */
  message_edit: [edit: InboundEdit];
  /** An inbound message was deleted for everyone by its sender. */
  message_revoke: [revoke: InboundRevoke];
  /** The engine cannot go on: the worker records ERROR and exits so PM2 restarts it. */
  fatal: [error: Error];
}

export interface SendOptions {
  /**
   * Our id of the message (the message row id). An engine with `idempotentClientRef` never turns a
   * repeated clientRef into a second message; others may (see the retry notes in send-queue).
   */
  clientRef: string;
}

/** What an engine can do, so callers ask the capability rather than the engine's name. */
export interface EngineCapabilities {
  /** A repeated client reference never sends twice (a retry after a crash is safe). */
  idempotentClientRef: boolean;
  /** Can fetch messages received while nobody listened (`fetchMessagesSince`). */
  backfill: boolean;
  /** Can link with a pairing code instead of a QR. */
  pairingCode: boolean;
  /** Can send and receive media. */
  media: boolean;
}

export interface WaEngine extends EventEmitter<EngineEvents> {
  readonly name: WaEngineName;
  readonly capabilities: EngineCapabilities;
  /** Starts connecting; resolves once startup is under way (the outcome arrives as events). */
  start(): Promise<void>;
  /** Releases everything the engine holds (browser, timers, connections). Safe to call twice. */
  stop(): Promise<void>;
  sendText(to: string, text: string, opts: SendOptions): Promise<{ waMessageId: string }>;
  /**
   * Only with `capabilities.media`: sends a file with its caption as one message. The same rules as
   * sendText for readiness, recipients, clientRef and errors.
   */
  sendMedia?(to: string, media: OutboundMedia, opts: SendOptions): Promise<{ waMessageId: string }>;
  /**
   * Only with `capabilities.pairingCode`: link the number `phone` (digits, international) by a code
   * typed on that phone instead of a QR scan. Resolves once the first code was emitted as
   * `pairing_code`; rejects (EngineError) when the engine cannot ask for one now (already linked).
   */
  requestPairingCode?(phone: string): Promise<void>;
  /**
   * Inbound messages WhatsApp holds that arrived at or after `since`, oldest first, at most `limit`.
   * Only with `capabilities.backfill`; the pipeline's unique key makes overlap harmless.
   */
  fetchMessagesSince?(since: Date, limit: number): Promise<InboundMessage[]>;
  /**
   * Only with `capabilities.media`: the file of an inbound message (by WhatsApp id). Rejects when the
   * download fails (the worker retries with back-off); undefined when WhatsApp no longer has it.
   */
  downloadMedia?(waMessageId: string): Promise<DownloadedMedia | undefined>;
}

/** What every engine gets from the worker. */
export interface EngineContext {
  tenantId: string;
  redis: Redis;
  redisPrefix: string;
  logger: Logger;
}

/**
 * One engine, as the registry knows it: its name, what it can do, its own settings (a zod schema over
 * the environment, parsed by @wa-fleet/config) and how to make one.
 */
export interface EngineDefinition<Schema extends z.ZodType = z.ZodType> {
  name: WaEngineName;
  description: string;
  capabilities: EngineCapabilities;
  configSchema: Schema;
  create(ctx: EngineContext, config: z.infer<Schema>): WaEngine;
}
