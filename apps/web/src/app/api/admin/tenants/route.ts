import { proxyRoute } from '@/server/proxy.ts';

export const GET = proxyRoute('GET /admin/tenants');
export const POST = proxyRoute('POST /admin/tenants');
