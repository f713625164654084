import type { NextRequest } from 'next/server';
import { proxy } from '@/server/proxy.ts';

export function POST(req: NextRequest): Promise<Response> {
  return proxy(req, { method: 'POST', scope: 'tenant', path: '/portal/tenant/current/worker/restart' });
}
