import type { EngineContext, EngineDefinition } from '../types.ts';
import { wwebjsConfigSchema, type WwebjsConfig } from './config.ts';
import { WwebjsEngine, type WwebjsOptions } from './wwebjs-engine.ts';

/** The adapter's options for a tenant; tests add `createClient` (a fake client) to them. */
export function wwebjsOptions(ctx: EngineContext, config: WwebjsConfig): WwebjsOptions {
  return {
    clientId: ctx.tenantId,
    dataPath: config.WWEBJS_SESSION_DIR,
    chromiumPath: config.CHROMIUM_PATH,
    isHeadless: config.WWEBJS_HEADLESS,
    initTimeoutMs: config.WWEBJS_INIT_TIMEOUT_MS,
    logger: ctx.logger,
  };
}

export const wwebjsEngine = {
  name: 'wwebjs',
  description: 'real WhatsApp through whatsapp-web.js and Chromium',
  // whatsapp-web.js keeps no memory of our references: a retry after a crash can send twice.
  capabilities: { idempotentClientRef: false, backfill: true, pairingCode: true, media: false },
  configSchema: wwebjsConfigSchema,
  create: (ctx, config) => new WwebjsEngine(wwebjsOptions(ctx, config)),
} satisfies EngineDefinition<typeof wwebjsConfigSchema>;

export {
  WwebjsEngine,
  createRealWwebjsClient,
  createRealWwebjsMedia,
  CHROMIUM_ARGS,
  CHROMIUM_MEMORY_ARGS,
  type WwebjsClientLike,
  type WwebjsChatLike,
  type WwebjsClientFactory,
  type WwebjsClientSettings,
  type WwebjsMessage,
  type WwebjsMediaLike,
  type WwebjsMediaFactory,
} from './wwebjs-engine.ts';
export { findProcessesMentioning, killBrowsersUsing } from './browser-processes.ts';
