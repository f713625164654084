import { proxyRoute } from '@/server/proxy.ts';

export const GET = proxyRoute('GET /portal/tenant/current/webhooks');
export const POST = proxyRoute('POST /portal/tenant/current/webhooks');
