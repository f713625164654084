import type { Metadata } from 'next';
import { requireTenantContext } from '@/server/tenant-context.ts';
import { NoTenantNotice } from '@/components/no-tenant-notice.tsx';
import { RoleNotice } from '@/components/role-notice.tsx';
import { SendForm } from './send-form.tsx';

export const metadata: Metadata = { title: 'Send message' };

export default async function SendPage() {
  const ctx = await requireTenantContext();
  if (!ctx.tenant) return <NoTenantNotice />;
  return (
    <>
      <h1>Send message · {ctx.tenant.name}</h1>
      {ctx.can('OPERATOR') ? (
        <SendForm />
      ) : (
        <RoleNotice needed="OPERATOR" actual={ctx.role} what="Sending messages" />
      )}
    </>
  );
}
