import { proxyRoute } from '@/server/proxy.ts';

export const GET = proxyRoute('GET /portal/tenant/current/auto-replies');
export const POST = proxyRoute('POST /portal/tenant/current/auto-replies');
