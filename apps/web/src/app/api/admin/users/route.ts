import { proxyRoute } from '@/server/proxy.ts';

export const GET = proxyRoute('GET /admin/users');
export const POST = proxyRoute('POST /admin/users');
