import type { Metadata } from 'next';
import { renderTenantPage } from '@/server/tenant-page.tsx';
import { SetupRequests } from './setup-requests.tsx';

export const metadata: Metadata = { title: 'Setup request' };

export default function SetupPage() {
  return renderTenantPage('Setup request', (ctx) => (
    <>
      <p className="muted">
        Ask the platform admins for help: linking a number, auto-replies, anything else.
      </p>
      <SetupRequests canRequest={ctx.can('OPERATOR')} />
    </>
  ));
}
