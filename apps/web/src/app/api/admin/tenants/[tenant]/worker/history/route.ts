import { proxyRoute } from '@/server/proxy.ts';

export const GET = proxyRoute('GET /admin/tenants/:tenant/worker/history');
