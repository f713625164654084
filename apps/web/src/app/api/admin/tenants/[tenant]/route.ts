import { proxyRoute } from '@/server/proxy.ts';

export const GET = proxyRoute('GET /admin/tenants/:tenant');
export const PATCH = proxyRoute('PATCH /admin/tenants/:tenant');
export const DELETE = proxyRoute('DELETE /admin/tenants/:tenant');
