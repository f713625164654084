import type { NextRequest } from 'next/server';
import { proxy } from '@/server/proxy.ts';
import { statsQuery } from '@/server/schemas.ts';

export function GET(req: NextRequest): Promise<Response> {
  return proxy(req, {
    method: 'GET',
    scope: 'tenant',
    path: '/portal/tenant/current/stats',
    query: statsQuery,
  });
}
