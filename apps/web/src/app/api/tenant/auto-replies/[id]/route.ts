import type { NextRequest } from 'next/server';
import { checkIdParam, proxy } from '@/server/proxy.ts';
import { autoReplyPatch } from '@/server/schemas.ts';

interface Context {
  params: Promise<{ id: string }>;
}

export async function PATCH(req: NextRequest, ctx: Context): Promise<Response> {
  const id = checkIdParam((await ctx.params).id, 'rule id');
  if (!id.ok) return id.response;
  return proxy(req, {
    method: 'PATCH',
    scope: 'tenant',
    path: `/portal/tenant/current/auto-replies/${id.value}`,
    body: autoReplyPatch,
  });
}

export async function DELETE(req: NextRequest, ctx: Context): Promise<Response> {
  const id = checkIdParam((await ctx.params).id, 'rule id');
  if (!id.ok) return id.response;
  return proxy(req, {
    method: 'DELETE',
    scope: 'tenant',
    path: `/portal/tenant/current/auto-replies/${id.value}`,
  });
}
