import type { NextRequest } from 'next/server';
import { checkIdParam, proxy } from '@/server/proxy.ts';
import { patchUserBody } from '@/server/schemas.ts';

interface Context {
  params: Promise<{ id: string }>;
}

export async function PATCH(req: NextRequest, ctx: Context): Promise<Response> {
  const id = checkIdParam((await ctx.params).id, 'user id');
  if (!id.ok) return id.response;
  return proxy(req, {
    method: 'PATCH',
    scope: 'admin',
    path: `/admin/users/${id.value}`,
    body: patchUserBody,
  });
}

export async function DELETE(req: NextRequest, ctx: Context): Promise<Response> {
  const id = checkIdParam((await ctx.params).id, 'user id');
  if (!id.ok) return id.response;
  return proxy(req, { method: 'DELETE', scope: 'admin', path: `/admin/users/${id.value}` });
}
