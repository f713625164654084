import type { Metadata } from 'next';
import { renderTenantPage } from '@/server/tenant-page.tsx';
import { RoleNotice } from '@/components/role-notice.tsx';
import { WebhooksManager } from './webhooks-manager.tsx';

export const metadata: Metadata = { title: 'Webhooks' };

export default function WebhooksPage() {
  return renderTenantPage('Webhooks', (ctx) =>
    ctx.can('TENANT_ADMIN') ? (
      <>
        <p className="muted">
          Webhooks send this tenant&apos;s events (inbound messages, message status, session and worker
          changes) to your own systems as signed HTTP POSTs. Failed deliveries are retried for about a day;
          every attempt is listed below.
        </p>
        <WebhooksManager />
      </>
    ) : (
      <RoleNotice needed="TENANT_ADMIN" actual={ctx.role} what="Managing webhooks" />
    ),
  );
}
