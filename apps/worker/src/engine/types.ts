import type { EventEmitter } from 'node:events';

/** An inbound WhatsApp message in the engine-independent shape the pipeline stores. */
export interface InboundMessage {
  /** WhatsApp's own message id: the pipeline's deduplication key. */
  waMessageId: string;
  /** Sender: digits for a person (`15551234567`), the full JID for anything else (groups). */
  from: string;
  /** Our own number (digits). */
  to: string;
  body: string;
  /** When WhatsApp says the message was sent. */
  timestamp: Date;
}

/** Delivery states an acknowledgement can report, in the order a message moves through them. */
export type AckStatus = 'SENT' | 'DELIVERED' | 'READ' | 'FAILED';

/**
 * Events every engine emits. Nothing outside `engine/` knows which engine runs, so the worker only
 * ever listens to these.
 */
export interface EngineEvents {
  /** A QR payload to show the user (a secret while valid: never log it). */
  qr: [payload: string];
  authenticated: [];
  /** Linked and usable; `phone` is our own number (digits). */
  ready: [phone: string];
  auth_failure: [message: string];
  change_state: [state: string];
  /** `LOGOUT` means the session is gone and a new QR is needed. */
  disconnected: [reason: string];
  message: [message: InboundMessage];
  message_ack: [waMessageId: string, status: AckStatus];
  /** The engine cannot go on: the worker records ERROR and exits so PM2 restarts it. */
  fatal: [error: Error];
}

export interface SendOptions {
  /**
   * Our id of the message (the message row id). A repeated clientRef must never become a second
   * message on the network when the engine can tell (the simulator can; see the retry notes in send-queue).
   */
  clientRef: string;
}

export interface WaEngine extends EventEmitter<EngineEvents> {
  readonly name: string;
  /** Starts connecting; resolves once startup is under way (the outcome arrives as events). */
  start(): Promise<void>;
  /** Releases everything the engine holds (browser, timers, connections). Safe to call twice. */
  stop(): Promise<void>;
  sendText(to: string, text: string, opts: SendOptions): Promise<{ waMessageId: string }>;
}

/** Normalizes a WhatsApp JID to what we store: digits for users (`...@c.us`), the JID otherwise. */
export function jidToNumber(jid: string): string {
  return jid.endsWith('@c.us') ? jid.slice(0, -'@c.us'.length) : jid;
}

/** The chat id to send to: numbers become user JIDs, JIDs pass through. */
export function numberToJid(number: string): string {
  return number.includes('@') ? number : `${number.replace(/[^0-9]/g, '')}@c.us`;
}
