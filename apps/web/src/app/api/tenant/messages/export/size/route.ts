import { proxyRoute } from '@/server/proxy.ts';

export const GET = proxyRoute('GET /portal/tenant/current/logs/export/size');
