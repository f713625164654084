/** For a platform admin who belongs to no tenant: tenant pages have nothing to show them. */
export function NoTenantNotice() {
  return (
    <div className="banner banner-info" role="status">
      You are not a member of any tenant. Manage tenants under <a href="/admin/tenants">Admin · Tenants</a>.
    </div>
  );
}
