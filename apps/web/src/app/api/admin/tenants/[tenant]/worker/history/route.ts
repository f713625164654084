import { z } from 'zod';
import { proxyByTenant } from '@/server/proxy.ts';

const historyQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).optional() });

export const GET = proxyByTenant((tenant) => ({
  method: 'GET',
  scope: 'admin',
  path: `/admin/tenants/${tenant}/worker/history`,
  query: historyQuery,
}));
