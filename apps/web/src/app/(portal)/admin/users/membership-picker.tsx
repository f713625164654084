'use client';
import { formText } from '@/lib/form.ts';
import { Field, Options } from '@/components/field.tsx';

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
      <Field id={`${idPrefix}-tenant`} label="Tenant">
        {(control) => (
          <select {...control} name="tenant" defaultValue={tenants[0]?.slug ?? ''}>
            <option value="">(none: platform admin)</option>
            {tenants.map((t) => (
              <option key={t.slug} value={t.slug}>
                {t.name} ({t.slug})
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field id={`${idPrefix}-role`} label="Role">
        {(control) => (
          <select {...control} name="role" defaultValue="VIEWER">
            <Options values={ROLE_OPTIONS} />
          </select>
        )}
      </Field>
    </>
  );
}

export function readMembership(form: FormData): { tenant: string | null; role: string } {
  const role = formText(form, 'role', 'VIEWER');
  const tenant = formText(form, 'tenant');
  return { tenant: role === 'SUPER_ADMIN' || tenant === '' ? null : tenant, role };
}
