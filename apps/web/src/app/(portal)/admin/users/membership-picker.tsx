'use client';
import { formText } from '@/lib/form.ts';

export const ROLE_OPTIONS = ['VIEWER', 'OPERATOR', 'TENANT_ADMIN', 'SUPER_ADMIN'] as const;

/** Tenant + role selects; choosing SUPER_ADMIN makes the tenant irrelevant (platform-wide). */
export function MembershipPicker({
  idPrefix,
  tenants,
}: {
  idPrefix: string;
  tenants: { slug: string; name: string }[];
}) {
  return (
    <>
      <div className="field">
        <label htmlFor={`${idPrefix}-tenant`}>Tenant</label>
        <select id={`${idPrefix}-tenant`} name="tenant" defaultValue={tenants[0]?.slug ?? ''}>
          <option value="">(none: platform admin)</option>
          {tenants.map((t) => (
            <option key={t.slug} value={t.slug}>
              {t.name} ({t.slug})
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${idPrefix}-role`}>Role</label>
        <select id={`${idPrefix}-role`} name="role" defaultValue="VIEWER">
          {ROLE_OPTIONS.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </div>
    </>
  );
}

export function readMembership(form: FormData): { tenant: string | null; role: string } {
  const role = formText(form, 'role', 'VIEWER');
  const tenant = formText(form, 'tenant');
  return { tenant: role === 'SUPER_ADMIN' || tenant === '' ? null : tenant, role };
}
