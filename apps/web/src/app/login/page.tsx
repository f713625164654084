import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { readSignedInSession } from '@/server/session.ts';
import { LoginForm } from './login-form.tsx';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Sign in' };

/** Only same-site paths are followed after sign-in, so a crafted link cannot send users elsewhere. */
function safeNext(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && /^\/(?!\/)[\w\-/]*$/.test(value) ? value : undefined;
}

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  if (await readSignedInSession()) redirect('/');
  const next = safeNext((await searchParams).next);
  return (
    <main id="main" tabIndex={-1} className="login-box">
      <div className="card">
        <h1>Sign in to wa-fleet</h1>
        <LoginForm next={next} />
      </div>
    </main>
  );
}
