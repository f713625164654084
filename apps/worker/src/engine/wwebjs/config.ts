import path from 'node:path';
import { z } from 'zod';
import { bool, dataDir, positiveInt } from '@wa-fleet/config';

/** The whatsapp-web.js engine's settings (environment variables, validated by @wa-fleet/config). */
export const wwebjsConfigSchema = z.object({
  /** LocalAuth's folder: one `session-<tenant id>` profile per tenant (a secret: it is the login). */
  WWEBJS_SESSION_DIR: z.string().default(path.join(dataDir, 'sessions')),
  CHROMIUM_PATH: z.string().default('/usr/bin/chromium'),
  WWEBJS_INIT_TIMEOUT_MS: positiveInt(60_000),
  WWEBJS_HEADLESS: bool(true),
});

export type WwebjsConfig = z.infer<typeof wwebjsConfigSchema>;
