/**
 * A DISABLED tenant is closed to its users: this stands in for the page's data (the control plane
 * refuses every read and write of the tenant until a platform admin enables it again).
 */
export function TenantDisabledNotice({ message }: { message?: string }) {
  return (
    <div className="banner banner-warn" role="alert" data-testid="tenant-disabled-notice">
      <strong>This tenant is disabled.</strong> Its data cannot be shown and its number sends nothing until a
      platform admin enables it again.
      {message ? <span className="muted"> ({message})</span> : null}
    </div>
  );
}
