import type { Metadata } from 'next';
import { requireTenantContext } from '@/server/tenant-context.ts';
import { NoTenantNotice } from '@/components/no-tenant-notice.tsx';
import { SetupRequests } from './setup-requests.tsx';

export const metadata: Metadata = { title: 'Setup request' };

export default async function SetupPage() {
  const ctx = await requireTenantContext();
  if (!ctx.tenant) return <NoTenantNotice />;
  return (
    <>
      <h1>Setup request · {ctx.tenant.name}</h1>
      <p className="muted">
        Ask the platform admins for help: linking a number, auto-replies, anything else.
      </p>
      <SetupRequests canRequest={ctx.can('OPERATOR')} />
    </>
  );
}
