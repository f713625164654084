import type { Metadata } from 'next';
import { requireTenantContext } from '@/server/tenant-context.ts';
import { NoTenantNotice } from '@/components/no-tenant-notice.tsx';
import { MessagesView } from './messages-view.tsx';

export const metadata: Metadata = { title: 'Messages' };

export default async function MessagesPage() {
  const ctx = await requireTenantContext();
  if (!ctx.tenant) return <NoTenantNotice />;
  return (
    <>
      <h1>Messages · {ctx.tenant.name}</h1>
      <MessagesView />
    </>
  );
}
