import type { ApiError } from '@/lib/api-client.ts';
import { TenantDisabledNotice } from './tenant-disabled-notice.tsx';

/**
 * Says honestly why data is missing: the control plane is down (a banner, the page stays usable), the
 * user's role is not enough (naming the role the control plane asked for), or anything else.
 */
export function ApiErrorNotice({ error, what }: { error: ApiError | undefined; what?: string }) {
  if (!error) return null;
  if (error.code === 'CONTROL_PLANE_UNREACHABLE' || error.status === 0 || error.status === 502) {
    return (
      <div className="banner banner-error" role="alert" data-testid="unreachable-banner">
        <strong>Control plane unreachable.</strong> {error.message} The page keeps retrying; what you see may
        be out of date.
      </div>
    );
  }
  if (error.code === 'TENANT_DISABLED') return <TenantDisabledNotice />;
  if (error.status === 403) {
    return (
      <div className="banner banner-warn" role="alert" data-testid="forbidden-notice">
        <strong>Not allowed.</strong> {error.message}
      </div>
    );
  }
  return (
    <div className="banner banner-error" role="alert">
      <strong>{what ? `Could not ${what}.` : 'Something went wrong.'}</strong> {error.message}
    </div>
  );
}
