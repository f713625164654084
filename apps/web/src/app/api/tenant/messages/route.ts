import { getConfig } from '@/server/config.ts';
import { proxyRoute } from '@/server/proxy.ts';

/** A send may carry a file (base64 in the JSON body): room for SEND_MEDIA_MAX_BYTES of it and the rest. */
const sendBodyLimit = () => Math.ceil(getConfig().SEND_MEDIA_MAX_BYTES / 3) * 4 + 64 * 1024;

export const GET = proxyRoute('GET /portal/tenant/current/logs');
export const POST = proxyRoute('POST /portal/tenant/current/messages', { bodyLimit: sendBodyLimit });
