import type { Metadata } from 'next';
import { requireTenantContext } from '@/server/tenant-context.ts';
import { NoTenantNotice } from '@/components/no-tenant-notice.tsx';
import { RoleNotice } from '@/components/role-notice.tsx';
import { AutoRepliesEditor } from './auto-replies-editor.tsx';

export const metadata: Metadata = { title: 'Auto-replies' };

export default async function AutoRepliesPage() {
  const ctx = await requireTenantContext();
  if (!ctx.tenant) return <NoTenantNotice />;
  return (
    <>
      <h1>Auto-replies · {ctx.tenant.name}</h1>
      {ctx.can('TENANT_ADMIN') ? (
        <AutoRepliesEditor />
      ) : (
        <RoleNotice needed="TENANT_ADMIN" actual={ctx.role} what="Editing auto-replies" />
      )}
    </>
  );
}
