import { proxyRoute } from '@/server/proxy.ts';

export const DELETE = proxyRoute('DELETE /portal/tenant/current/api-keys/:id');
