import { redirect } from 'next/navigation';
import { readSignedInSession } from '@/server/session.ts';
import { RoleNotice } from '@/components/role-notice.tsx';

export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  const session = await readSignedInSession();
  if (!session) redirect('/login');
  if (!session.isSuperAdmin) {
    const best = session.memberships[0]?.role ?? null;
    return (
      <>
        <h1>Admin area</h1>
        <RoleNotice needed="SUPER_ADMIN" actual={best} what="The admin area" />
      </>
    );
  }
  return <>{children}</>;
}
