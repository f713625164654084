import type { NextRequest } from 'next/server';
import { proxy } from '@/server/proxy.ts';
import { messagesQuery, sendBody } from '@/server/schemas.ts';

export function GET(req: NextRequest): Promise<Response> {
  return proxy(req, {
    method: 'GET',
    scope: 'tenant',
    path: '/portal/tenant/current/logs',
    query: messagesQuery,
  });
}

export function POST(req: NextRequest): Promise<Response> {
  return proxy(req, {
    method: 'POST',
    scope: 'tenant',
    path: '/portal/tenant/current/messages',
    body: sendBody,
  });
}
