import { proxyRoute } from '@/server/proxy.ts';

export const POST = proxyRoute('POST /portal/tenant/current/conversations/:contact/read');
