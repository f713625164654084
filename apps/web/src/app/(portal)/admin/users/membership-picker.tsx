'use client';
import type { MembershipInput, Role } from '@wa-fleet/contract';
import { formText } from '@/lib/form.ts';
import { Field, Options } from '@/components/field.tsx';

// A record over the contract's union: a role added to the API fails the typecheck until listed here.
const ROLES_SHOWN: Record<Role, true> = {
  VIEWER: true,
  OPERATOR: true,
  TENANT_ADMIN: true,
  SUPER_ADMIN: true,
};
export const ROLE_OPTIONS = Object.keys(ROLES_SHOWN) as Role[];

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

export function readMembership(form: FormData): MembershipInput {
  // The select offers only the contract's roles; the portal's route validates the value again.
  const role = formText(form, 'role', 'VIEWER') as Role;
  const tenant = formText(form, 'tenant');
  return { tenant: role === 'SUPER_ADMIN' || tenant === '' ? null : tenant, role };
}
