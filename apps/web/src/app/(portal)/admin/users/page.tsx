import type { Metadata } from 'next';
import { UsersAdmin } from './users-admin.tsx';

export const metadata: Metadata = { title: 'Users' };

export default function UsersPage() {
  return (
    <>
      <h1>Users and memberships</h1>
      <UsersAdmin />
    </>
  );
}
