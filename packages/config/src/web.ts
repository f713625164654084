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
  /**
   * Reverse proxies in front of the portal that append to X-Forwarded-For (0: browsers connect directly).
   * Decides which address the control plane's per-address sign-in limit counts.
   */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  /**
   * The control plane's limit on a file sent with a message (set both the same): the Send page's body
   * may hold a file this large, base64. 16 MiB.
   */
  SEND_MEDIA_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(16 * 1024 * 1024),
});

export type WebConfig = z.infer<typeof webSchema>;

export function loadWebConfig(env: Record<string, string | undefined> = process.env): WebConfig {
  return parseEnv('web', webSchema, env);
}
