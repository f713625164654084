import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { isValidSlug } from '@wa-fleet/shared';
import { TenantDetailView } from './tenant-detail-view.tsx';

export const metadata: Metadata = { title: 'Tenant' };

export default async function TenantDetailPage({ params }: { params: Promise<{ tenant: string }> }) {
  const { tenant } = await params;
  if (!isValidSlug(tenant)) notFound();
  return <TenantDetailView slug={tenant} />;
}
