import type { Metadata } from 'next';
import { renderTenantPage } from '@/server/tenant-page.tsx';
import { RoleNotice } from '@/components/role-notice.tsx';
import { ApiKeysManager } from './api-keys-manager.tsx';

export const metadata: Metadata = { title: 'API keys' };

export default function ApiKeysPage() {
  return renderTenantPage('API keys', (ctx) =>
    ctx.can('TENANT_ADMIN') ? (
      <>
        <p className="muted">
          Keys let your own systems use the public API (<code>/v1</code>) for this tenant: send messages, read
          them and their status, check the WhatsApp session. Each key holds only the scopes you give it.
        </p>
        <ApiKeysManager />
      </>
    ) : (
      <RoleNotice needed="TENANT_ADMIN" actual={ctx.role} what="Managing API keys" />
    ),
  );
}
