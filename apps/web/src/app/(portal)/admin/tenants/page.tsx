import type { Metadata } from 'next';
import { TenantsAdmin } from './tenants-admin.tsx';

export const metadata: Metadata = { title: 'Tenants' };

export default function TenantsPage() {
  return (
    <>
      <h1>Tenants</h1>
      <TenantsAdmin />
    </>
  );
}
