import type { Metadata } from 'next';
import { renderTenantPage } from '@/server/tenant-page.tsx';
import { RoleNotice } from '@/components/role-notice.tsx';
import { SendForm } from './send-form.tsx';

export const metadata: Metadata = { title: 'Send message' };

export default function SendPage() {
  return renderTenantPage('Send message', (ctx) =>
    ctx.can('OPERATOR') ? (
      <SendForm />
    ) : (
      <RoleNotice needed="OPERATOR" actual={ctx.role} what="Sending messages" />
    ),
  );
}
