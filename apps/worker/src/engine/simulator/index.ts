import type { EngineDefinition } from '../types.ts';
import { simulatorConfigSchema } from './config.ts';
import { SimulatorEngine } from './simulator-engine.ts';

export const simulatorEngine = {
  name: 'simulator',
  description: 'a simulated WhatsApp network in Redis (development, tests, demos)',
  capabilities: { idempotentClientRef: true, backfill: true, pairingCode: true, media: false },
  configSchema: simulatorConfigSchema,
  create: (ctx, config) =>
    new SimulatorEngine({
      ...ctx,
      linkDelayMs: config.SIM_LINK_DELAY_MS,
      ackDelayMs: config.SIM_ACK_DELAY_MS,
      pairingCodeTtlMs: config.SIM_PAIRING_CODE_TTL_MS,
    }),
} satisfies EngineDefinition<typeof simulatorConfigSchema>;

export { SimulatorEngine } from './simulator-engine.ts';
