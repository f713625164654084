import type { DbClient } from '@wa-fleet/db';
import type { Logger } from '@wa-fleet/logger';
import { maskPhone } from '@wa-fleet/shared';
import type { WaEngine } from './engine/index.ts';

/** Message traffic proves the session alive, but one write per message would double the load. */
const LAST_SEEN_THROTTLE_MS = 5_000;

/**
 * Writes the session state on every engine event. Writes are chained, so the row ends in the state of
 * the last event even when events arrive faster than the database answers.
 */
export class SessionRecorder {
  private readonly db: DbClient;
  private readonly tenantId: string;
  private readonly log: Logger;
  private chain: Promise<void> = Promise.resolve();
  private lastSeenWrittenAt = 0;

  constructor(db: DbClient, tenantId: string, log: Logger) {
    this.db = db;
    this.tenantId = tenantId;
    this.log = log;
  }

  attach(engine: WaEngine): void {
    engine.on('qr', (qr) => {
      this.log.info({ sessionState: 'QR' }, 'session waiting for QR scan');
      this.enqueue(
        () => this.db.$executeRaw`
        UPDATE whatsapp_sessions SET state = 'QR', last_qr = ${qr}, qr_updated_at = now(), last_seen_at = now(),
          updated_at = now() WHERE tenant_id = ${this.tenantId}::uuid`,
      );
    });
    engine.on('pairing_code', ({ code, expiresAt }) => {
      // The code links the number while valid, like the QR: it goes to the row, never to the log.
      this.log.info({ expiresAt: expiresAt.toISOString() }, 'pairing code issued');
      this.enqueue(
        () => this.db.$executeRaw`
        UPDATE whatsapp_sessions SET pairing_code = ${code}, pairing_expires_at = ${expiresAt},
          pairing_error = NULL, updated_at = now() WHERE tenant_id = ${this.tenantId}::uuid`,
      );
    });
    engine.on('connected', ({ phone }) => {
      this.log.info({ sessionState: 'CONNECTED', phone: maskPhone(phone) }, 'session connected');
      this.enqueue(
        () => this.db.$executeRaw`
        UPDATE whatsapp_sessions SET state = 'CONNECTED', phone_number = ${phone.slice(0, 32) || null},
          last_qr = NULL, pairing_phone = NULL, pairing_code = NULL, pairing_expires_at = NULL,
          pairing_error = NULL, last_seen_at = now(), updated_at = now() WHERE tenant_id = ${this.tenantId}::uuid`,
      );
    });
    engine.on('disconnected', ({ reason }) => {
      this.log.warn({ sessionState: 'DISCONNECTED', reason }, 'session disconnected');
      this.setState('DISCONNECTED');
    });
    engine.on('logged_out', ({ reason }) => {
      this.log.warn({ sessionState: 'LOGGED_OUT', reason }, 'session logged out');
      this.setState('LOGGED_OUT');
    });
    engine.on('auth_failed', ({ message }) => {
      this.log.error({ sessionState: 'AUTH_FAILURE', reason: message }, 'session authentication failed');
      this.setState('AUTH_FAILURE');
    });
    engine.on('message', () => this.touch(false));
    engine.on('message_ack', () => this.touch(false));
  }

  /** Resolves once every write queued so far is done (used before shutdown). */
  async drain(): Promise<void> {
    await this.chain;
  }

  private setState(state: 'DISCONNECTED' | 'LOGGED_OUT' | 'AUTH_FAILURE'): void {
    this.enqueue(
      () => this.db.$executeRaw`
      UPDATE whatsapp_sessions SET state = ${state}::"SessionState", last_qr = NULL, last_seen_at = now(),
        updated_at = now() WHERE tenant_id = ${this.tenantId}::uuid`,
    );
  }

  private touch(isStateEvent: boolean): void {
    const now = Date.now();
    if (!isStateEvent && now - this.lastSeenWrittenAt < LAST_SEEN_THROTTLE_MS) return;
    this.lastSeenWrittenAt = now;
    this.enqueue(
      () => this.db.$executeRaw`
      UPDATE whatsapp_sessions SET last_seen_at = now(), updated_at = now() WHERE tenant_id = ${this.tenantId}::uuid`,
    );
  }

  private enqueue(write: () => Promise<unknown>): void {
    this.chain = this.chain
      .then(write)
      .then(() => undefined)
      .catch((err: unknown) => this.log.error({ err }, 'session state write failed'));
  }
}
