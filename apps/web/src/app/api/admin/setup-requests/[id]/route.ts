import type { NextRequest } from 'next/server';
import { checkIdParam, proxy } from '@/server/proxy.ts';
import { setupRequestPatch } from '@/server/schemas.ts';

interface Context {
  params: Promise<{ id: string }>;
}

export async function PATCH(req: NextRequest, ctx: Context): Promise<Response> {
  const id = checkIdParam((await ctx.params).id, 'setup request id');
  if (!id.ok) return id.response;
  return proxy(req, {
    method: 'PATCH',
    scope: 'admin',
    path: `/admin/setup-requests/${id.value}`,
    body: setupRequestPatch,
  });
}
