import 'server-only';
import { loadWebConfig, type WebConfig } from '@wa-fleet/config';

let cached: WebConfig | undefined;

/**
 * The portal's validated configuration, parsed on first use (not at import, so `next build` needs no
 * secrets). Server-only: PORTAL_INTERNAL_KEY and SESSION_SECRET must never reach a client bundle.
 */
export function getConfig(): WebConfig {
  cached ??= loadWebConfig();
  return cached;
}
