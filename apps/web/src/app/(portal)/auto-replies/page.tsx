import type { Metadata } from 'next';
import { renderTenantPage } from '@/server/tenant-page.tsx';
import { RoleNotice } from '@/components/role-notice.tsx';
import { AutoRepliesEditor } from './auto-replies-editor.tsx';

export const metadata: Metadata = { title: 'Auto-replies' };

export default function AutoRepliesPage() {
  return renderTenantPage('Auto-replies', (ctx) =>
    ctx.can('TENANT_ADMIN') ? (
      <AutoRepliesEditor />
    ) : (
      <RoleNotice needed="TENANT_ADMIN" actual={ctx.role} what="Editing auto-replies" />
    ),
  );
}
