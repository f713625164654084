import type { NextRequest } from 'next/server';
import { proxy } from '@/server/proxy.ts';

export function GET(req: NextRequest): Promise<Response> {
  return proxy(req, { method: 'GET', scope: 'admin', path: '/admin/workers' });
}
