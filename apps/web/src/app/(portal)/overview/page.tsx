import type { Metadata } from 'next';
import { renderTenantPage } from '@/server/tenant-page.tsx';
import { OverviewPanel } from './overview-panel.tsx';

export const metadata: Metadata = { title: 'Overview' };

export default function OverviewPage() {
  return renderTenantPage('Overview', (ctx) => (
    <OverviewPanel canRestart={ctx.can('TENANT_ADMIN')} canLink={ctx.can('TENANT_ADMIN')} />
  ));
}
