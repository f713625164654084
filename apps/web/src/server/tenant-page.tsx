import 'server-only';
import type { ReactNode } from 'react';
import { NoTenantNotice } from '@/components/no-tenant-notice.tsx';
import { TenantDisabledNotice } from '@/components/tenant-disabled-notice.tsx';
import { callRoute, ControlPlaneUnreachableError } from './control-plane.ts';
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
  // An unreachable control plane is not a verdict: the page renders and its panels show that banner.
  const current = await callRoute('GET /portal/tenant/current', {
    as: { sessionToken: ctx.session.token, tenantSlug: ctx.session.tenantSlug },
  }).catch((err: unknown) => {
    if (err instanceof ControlPlaneUnreachableError) return null;
    throw err;
  });
  const isDisabled = current !== null && !current.ok && current.error.code === 'TENANT_DISABLED';
  return (
    <>
      <h1>
        {title} · {tenant.name}
      </h1>
      {isDisabled ? <TenantDisabledNotice /> : body({ ...ctx, tenant })}
    </>
  );
}
