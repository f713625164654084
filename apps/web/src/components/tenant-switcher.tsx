'use client';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { callApi } from '@/lib/api-client.ts';

interface TenantOption {
  slug: string;
  name: string;
  role: string;
}

/** Shown only when the user belongs to more than one tenant; the choice lives in the server session. */
export function TenantSwitcher({ tenants, current }: { tenants: TenantOption[]; current: string }) {
  const router = useRouter();
  const [problem, setProblem] = useState<string>();
  if (tenants.length < 2) {
    const only = tenants[0];
    return only ? (
      <span className="small" data-testid="tenant-name">
        {only.name}
      </span>
    ) : null;
  }

  async function switchTo(slug: string) {
    const result = await callApi('/api/auth/tenant', { method: 'POST', body: { slug } });
    if (!result.ok) {
      setProblem(result.error.message);
      return;
    }
    setProblem(undefined);
    router.refresh();
  }

  return (
    <span>
      <label htmlFor="tenant-switcher">Tenant </label>
      <select id="tenant-switcher" value={current} onChange={(e) => void switchTo(e.target.value)}>
        {tenants.map((t) => (
          <option key={t.slug} value={t.slug}>
            {t.name} ({t.role})
          </option>
        ))}
      </select>
      {problem && (
        <span role="alert" className="small">
          {' '}
          {problem}
        </span>
      )}
    </span>
  );
}
