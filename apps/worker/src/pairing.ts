import type { DbClient } from '@wa-fleet/db';
import type { Logger } from '@wa-fleet/logger';
import { maskPhone } from '@wa-fleet/shared';
import { describeError, type WaEngine } from './engine/index.ts';

/**
 * Linking by pairing code. The control plane writes the request (the number to link) on the tenant's
 * session row and pings the worker on its control channel; the worker reads the row and asks the
 * engine, whose `pairing_code` events the session recorder writes back. A failure is written as
 * `pairing_error`, in the engine's words, for the portal to show.
 */
export class PairingRequests {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: DbClient,
    private readonly tenantId: string,
    private readonly engine: WaEngine,
    private readonly log: Logger,
  ) {}

  /** Handles the pending request; requests are taken one at a time, in the order they came. */
  request(): Promise<void> {
    this.chain = this.chain
      .then(() => this.handle())
      .catch((err: unknown) => {
        this.log.error({ err }, 'pairing request handling failed');
      });
    return this.chain;
  }

  private async handle(): Promise<void> {
    const row = await this.db.whatsAppSession.findUnique({
      where: { tenantId: this.tenantId },
      select: { pairingPhone: true },
    });
    const phone = row?.pairingPhone;
    if (!phone) return;
    const { engine } = this;
    if (!engine.capabilities.pairingCode || !engine.requestPairingCode) {
      await this.fail(`the ${engine.name} engine cannot link by pairing code`);
      return;
    }
    try {
      await engine.requestPairingCode(phone);
      this.log.info({ phone: maskPhone(phone) }, 'pairing code requested');
    } catch (err) {
      this.log.warn({ err, phone: maskPhone(phone) }, 'pairing code request failed');
      await this.fail(describeError(err));
    }
  }

  private async fail(reason: string): Promise<void> {
    await this.db.$executeRaw`
      UPDATE whatsapp_sessions SET pairing_error = ${reason.slice(0, 500)}, pairing_code = NULL,
        pairing_expires_at = NULL, updated_at = now() WHERE tenant_id = ${this.tenantId}::uuid`;
  }
}
