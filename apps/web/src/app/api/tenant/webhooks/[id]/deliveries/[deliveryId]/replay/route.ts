import { proxyRoute } from '@/server/proxy.ts';

export const POST = proxyRoute('POST /portal/tenant/current/webhooks/:id/deliveries/:deliveryId/replay');
