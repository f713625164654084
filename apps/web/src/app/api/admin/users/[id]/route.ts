import { proxyRoute } from '@/server/proxy.ts';

export const PATCH = proxyRoute('PATCH /admin/users/:id');
export const DELETE = proxyRoute('DELETE /admin/users/:id');
