import type { Redis } from 'ioredis';
import type { WorkerConfig } from '@wa-fleet/config';
import type { Logger } from '@wa-fleet/logger';
import type { WaEngineName } from '@wa-fleet/shared';
import { SimulatorEngine } from './simulator-engine.ts';
import type { WaEngine } from './types.ts';
import { WwebjsEngine, type WwebjsClientFactory } from './wwebjs-engine.ts';

export interface EngineDeps {
  config: WorkerConfig;
  engineName: WaEngineName;
  redis: Redis;
  logger: Logger;
  /** Tests inject a fake whatsapp-web.js client here. */
  createWwebjsClient?: WwebjsClientFactory;
}

export function createEngine(deps: EngineDeps): WaEngine {
  const { config, logger } = deps;
  if (deps.engineName === 'wwebjs') {
    return new WwebjsEngine({
      clientId: config.TENANT_ID,
      dataPath: config.WWEBJS_SESSION_DIR,
      chromiumPath: config.CHROMIUM_PATH,
      isHeadless: config.WWEBJS_HEADLESS,
      initTimeoutMs: config.WWEBJS_INIT_TIMEOUT_MS,
      logger,
      ...(deps.createWwebjsClient ? { createClient: deps.createWwebjsClient } : {}),
    });
  }
  return new SimulatorEngine({
    tenantId: config.TENANT_ID,
    redisPrefix: config.REDIS_PREFIX,
    redis: deps.redis,
    logger,
    linkDelayMs: config.SIM_LINK_DELAY_MS,
    inboundPerMin: config.SIM_INBOUND_PER_MIN,
    ackDelayMs: config.SIM_ACK_DELAY_MS,
  });
}
