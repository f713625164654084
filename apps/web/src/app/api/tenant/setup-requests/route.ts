import { proxyRoute } from '@/server/proxy.ts';

export const GET = proxyRoute('GET /portal/tenant/current/setup-requests');
export const POST = proxyRoute('POST /portal/tenant/current/setup-requests');
