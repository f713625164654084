import { redirect } from 'next/navigation';
import { readSignedInSession } from '@/server/session.ts';

export const dynamic = 'force-dynamic';

export default async function HomePage() {
  const session = await readSignedInSession();
  if (!session) redirect('/login');
  redirect(session.memberships.length > 0 ? '/overview' : '/admin/tenants');
}
