import type { NextRequest } from 'next/server';
import { proxy } from '@/server/proxy.ts';
import { adminSetupRequestsQuery } from '@/server/schemas.ts';

export function GET(req: NextRequest): Promise<Response> {
  return proxy(req, {
    method: 'GET',
    scope: 'admin',
    path: '/admin/setup-requests',
    query: adminSetupRequestsQuery,
  });
}
