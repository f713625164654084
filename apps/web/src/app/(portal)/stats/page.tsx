import type { Metadata } from 'next';
import { requireTenantContext } from '@/server/tenant-context.ts';
import { NoTenantNotice } from '@/components/no-tenant-notice.tsx';
import { StatsView } from './stats-view.tsx';

export const metadata: Metadata = { title: 'Statistics' };

export default async function StatsPage() {
  const ctx = await requireTenantContext();
  if (!ctx.tenant) return <NoTenantNotice />;
  return (
    <>
      <h1>Statistics · {ctx.tenant.name}</h1>
      <StatsView />
    </>
  );
}
