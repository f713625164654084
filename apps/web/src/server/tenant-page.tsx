import 'server-only';
import type { ReactNode } from 'react';
import { NoTenantNotice } from '@/components/no-tenant-notice.tsx';
import { TenantDisabledNotice } from '@/components/tenant-disabled-notice.tsx';
import { fetchControlPlaneJson } from './control-plane.ts';
import type { SessionMembership } from './session.ts';
import { requireTenantContext, type TenantContext } from './tenant-context.ts';

export type TenantPageContext = TenantContext & { tenant: SessionMembership };

/**
 * The frame of every tenant page: sign-in required, one h1 naming the page and the tenant, and an honest
 * notice instead of the body when the user looks at no tenant.
 */
export async function renderTenantPage(
  title: string,
  body: (ctx: TenantPageContext) => ReactNode,
): Promise<ReactNode> {
  const ctx = await requireTenantContext();
  const { tenant } = ctx;
  if (!tenant) {
    return (
      <>
        <h1>{title}</h1>
        <NoTenantNotice />
      </>
    );
  }
  // A DISABLED tenant shows why instead of the page: no form, no empty table pretending to be data.
  const current = await fetchControlPlaneJson<unknown>({
    path: '/portal/tenant/current',
    userEmail: ctx.session.email,
    tenant: ctx.session.tenantSlug,
  });
  const isDisabled = !current.ok && current.error.code === 'TENANT_DISABLED';
  return (
    <>
      <h1>
        {title} · {tenant.name}
      </h1>
      {isDisabled ? <TenantDisabledNotice /> : body({ ...ctx, tenant })}
    </>
  );
}
