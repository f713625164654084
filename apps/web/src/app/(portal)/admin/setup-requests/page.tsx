import type { Metadata } from 'next';
import { SetupRequestsAdmin } from './setup-requests-admin.tsx';

export const metadata: Metadata = { title: 'Setup requests' };

export default function AdminSetupRequestsPage() {
  return (
    <>
      <h1>Setup requests</h1>
      <SetupRequestsAdmin />
    </>
  );
}
