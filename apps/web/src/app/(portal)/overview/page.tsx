import type { Metadata } from 'next';
import { requireTenantContext } from '@/server/tenant-context.ts';
import { NoTenantNotice } from '@/components/no-tenant-notice.tsx';
import { OverviewPanel } from './overview-panel.tsx';

export const metadata: Metadata = { title: 'Overview' };

export default async function OverviewPage() {
  const ctx = await requireTenantContext();
  if (!ctx.tenant) return <NoTenantNotice />;
  return (
    <>
      <h1>Overview · {ctx.tenant.name}</h1>
      <OverviewPanel canRestart={ctx.can('TENANT_ADMIN')} />
    </>
  );
}
