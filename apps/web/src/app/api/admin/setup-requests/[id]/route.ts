import { proxyRoute } from '@/server/proxy.ts';

export const PATCH = proxyRoute('PATCH /admin/setup-requests/:id');
