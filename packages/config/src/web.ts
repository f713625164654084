import { z } from 'zod';
import { parseEnv, secretKey } from './parse.ts';

export const webSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  CONTROL_PLANE_URL: z.string().url().default('http://127.0.0.1:4000'),
  PORTAL_INTERNAL_KEY: secretKey,
  /** Seals the portal's session cookie. */
  SESSION_SECRET: secretKey,
  /** Set to false only when the portal is served over plain http on a non-localhost address. */
  COOKIE_SECURE: z.enum(['auto', 'true', 'false']).default('auto'),
});

export type WebConfig = z.infer<typeof webSchema>;

export function loadWebConfig(env: Record<string, string | undefined> = process.env): WebConfig {
  return parseEnv('web', webSchema, env);
}
