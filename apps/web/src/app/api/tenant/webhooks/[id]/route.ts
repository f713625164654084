import { proxyRoute } from '@/server/proxy.ts';

export const PATCH = proxyRoute('PATCH /portal/tenant/current/webhooks/:id');
export const DELETE = proxyRoute('DELETE /portal/tenant/current/webhooks/:id');
