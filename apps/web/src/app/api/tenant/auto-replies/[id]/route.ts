import { proxyById } from '@/server/proxy.ts';
import { autoReplyPatch } from '@/server/schemas.ts';

const rulePath = (id: string) => `/portal/tenant/current/auto-replies/${id}`;

export const PATCH = proxyById('rule id', (id) => ({
  method: 'PATCH',
  scope: 'tenant',
  path: rulePath(id),
  body: autoReplyPatch,
}));

export const DELETE = proxyById('rule id', (id) => ({
  method: 'DELETE',
  scope: 'tenant',
  path: rulePath(id),
}));
