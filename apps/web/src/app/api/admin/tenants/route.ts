import type { NextRequest } from 'next/server';
import { proxy } from '@/server/proxy.ts';
import { createTenantBody } from '@/server/schemas.ts';

export function GET(req: NextRequest): Promise<Response> {
  return proxy(req, { method: 'GET', scope: 'admin', path: '/admin/tenants' });
}

export function POST(req: NextRequest): Promise<Response> {
  return proxy(req, { method: 'POST', scope: 'admin', path: '/admin/tenants', body: createTenantBody });
}
